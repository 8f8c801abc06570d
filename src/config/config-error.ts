export { ConfigError } from "../errors/config-error.js";
