import { constants } from "node:fs";
import { access, mkdir, open, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { PermanentError } from "../errors/permanent-error.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import type { Storage } from "./storage.js";

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A directory of files. Keys are relative paths; one that would resolve outside the directory
 * (`..`, an absolute path, or a symlink pointing out) is refused for good, since retrying a
 * hostile key cannot make it safe.
 */
export class FileStorage implements Storage {
  readonly description: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `file://${this.root}`;
  }

  private resolveKey(key: string): string {
    const target = resolve(this.root, key);
    if (key.includes("\0") || isAbsolute(key) || !isInside(this.root, target)) {
      throw new PermanentError(
        "STORAGE_KEY_REJECTED",
        `storage key resolves outside the storage root: ${key}`,
        {
          key,
        },
      );
    }
    return target;
  }

  async read(key: string, maxBytes: number): Promise<Uint8Array> {
    const target = this.resolveKey(key);
    try {
      const [realRoot, realTarget] = await Promise.all([realpath(this.root), realpath(target)]);
      if (!isInside(realRoot, realTarget)) {
        throw new PermanentError(
          "STORAGE_KEY_REJECTED",
          `storage key links outside the storage root: ${key}`,
          {
            key,
          },
        );
      }
      const handle = await open(realTarget, "r");
      try {
        const { size } = await handle.stat();
        if (size > maxBytes) {
          throw new PermanentError(
            "FILE_TOO_LARGE",
            `file too large: ${size} bytes > MAX_FILE_BYTES=${maxBytes}`,
            {
              key,
              size,
              maxBytes,
            },
          );
        }
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      const errno = errnoOf(error);
      // A missing root is a storage gone (an unmounted volume), not a missing file.
      const rootThere = await this.probe().then(
        () => true,
        () => false,
      );
      if (rootThere && (errno === "ENOENT" || errno === "ENOTDIR")) {
        throw new PermanentError("STORAGE_NOT_FOUND", `file not found: ${key}`, { key }, { cause: error });
      }
      if (rootThere && errno === "EISDIR") {
        throw new PermanentError("STORAGE_NOT_FOUND", `not a file: ${key}`, { key }, { cause: error });
      }
      throw new DependencyUnavailableError(
        "storage",
        "STORAGE_UNAVAILABLE",
        `cannot read ${key} in ${this.description}: ${error instanceof Error ? error.message : String(error)}`,
        {
          credentialsRejected: errno === "EACCES" || errno === "EPERM",
          context: { key, ...(errno ? { errno } : {}) },
        },
        { cause: error },
      );
    }
  }

  /** The storage circuit's probe: the root directory is there and readable. */
  async probe(): Promise<void> {
    try {
      await access(this.root, constants.R_OK | constants.X_OK);
    } catch (error) {
      throw new DependencyUnavailableError(
        "storage",
        "STORAGE_UNAVAILABLE",
        `storage root ${this.root} not readable: ${error instanceof Error ? error.message : String(error)}`,
        { context: { errno: errnoOf(error) } },
        { cause: error },
      );
    }
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.resolveKey(key);
    await mkdir(dirname(target), { recursive: true });
    // A symlinked directory on the way could lead out of the root, and a symlinked file could be
    // overwritten: check the real parent, and refuse to follow a link at the last step.
    const [realRoot, realParent] = await Promise.all([realpath(this.root), realpath(dirname(target))]);
    if (realParent !== realRoot && !isInside(realRoot, realParent)) {
      throw new PermanentError("STORAGE_KEY_REJECTED", `storage key links outside the storage root: ${key}`, {
        key,
      });
    }
    const handle = await open(
      resolve(realParent, basename(target)),
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  }
}
