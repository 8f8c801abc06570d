/** A local server laid out like the Hugging Face hub, serving the committed tiny model. */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeServer, listen } from "./waits.js";

export const TINY_BERT = fileURLToPath(new URL("../fixtures/tiny-bert", import.meta.url));

/** Serves test/fixtures/tiny-bert as `/<id>/resolve/main/<file>` for the ids given. */
export async function startFakeHub(ids: readonly string[]) {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = request.url ?? "";
    requests.push(url);
    const match = /^\/(.+?)\/resolve\/main\/(.+)$/.exec(url);
    if (!match?.[1] || !match[2] || !ids.includes(match[1]) || match[2].includes("..")) {
      response.statusCode = 404;
      response.end("not found");
      return;
    }
    readFile(join(TINY_BERT, match[2])).then(
      (bytes) => response.end(bytes),
      () => {
        response.statusCode = 404;
        response.end("not found");
      },
    );
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => closeServer(server, "the fake model hub to close"),
  };
}
