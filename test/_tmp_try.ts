import { parseApiKeys } from "../src/config/api-keys.js";
for (const raw of ['["a"]', '{"k":[]}', '{"":["m"]}', 'null', '"str"']) {
  try { console.log(raw, parseApiKeys(raw)); } catch (e) { console.log(raw, "ERR", (e as Error).message); }
}
