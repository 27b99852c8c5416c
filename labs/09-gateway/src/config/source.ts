import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";

/** Where the routes come from: a file (watched), or a key in the registry's KV store (watched). */
export interface RoutesSource {
  /** How errors name it: the file path, or `registry:<key>`; a name ending in .json is parsed as JSON. */
  readonly name: string;
  read(): Promise<string>;
  /** Calls `onChange` after every change (debounced); returns the function that stops watching. */
  watch(onChange: () => void): () => void;
}

/** Changes closer together than this are one change (an editor writes a file in several steps). */
const DEBOUNCE_MS = 100;

/**
 * A routes file. The folder is watched rather than the file, because editors and deploy tools replace a
 * file by renaming a new one over it, which ends a watch on the file itself.
 */
export function fileRoutesSource(path: string): RoutesSource {
  const absolute = resolve(path);
  return {
    name: path,
    read: () => readFile(absolute, "utf8"),
    watch(onChange) {
      let timer: NodeJS.Timeout | undefined;
      const watcher: FSWatcher = watch(dirname(absolute), (_event, file) => {
        if (file !== null && file !== basename(absolute)) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(onChange, DEBOUNCE_MS);
      });
      return () => {
        if (timer) clearTimeout(timer);
        watcher.close();
      };
    },
  };
}
