// Fresh temp folders for unit tests, several per test if need be, each removed
// after the test that made it (withTempDir in fixtures.ts is one folder per file,
// kept on failure for the component logs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** Registers an afterEach in the enclosing file or describe; returns the maker of new folders. */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
