import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";

/**
 * Whether `command` would be found on PATH, without running it: starting LibreOffice only to ask
 * its version costs a second or more, and the start-up check needs to know only that it is there.
 */
export async function commandOnPath(command: string, path = process.env["PATH"] ?? ""): Promise<boolean> {
  for (const directory of path.split(delimiter).filter((entry) => entry !== "")) {
    try {
      await access(join(directory, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory (or not executable there): the next one may have it.
    }
  }
  return false;
}
