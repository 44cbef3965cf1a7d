// A temp folder per test file that holds every component's data and logs.
// It is deleted when everything passed and kept (path printed) when anything
// failed, so the component logs are there to read after a red run.
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { processesMatching, stopAllProcesses } from "./process.js";

export interface TempDir {
  readonly path: string;
  /** Keep the folder whatever the outcome (e.g. a failure the hooks cannot see). */
  keep(): void;
  readonly kept: boolean;
  /**
   * Stops the processes that log into the folder, then deletes or keeps it.
   * Throws (after killing them) if any process still names the folder on its
   * command line: something was started outside the registry or survived stop().
   */
  finish(failed: boolean): Promise<void>;
}

/** Creates a temp folder now; the caller decides when to finish it. */
export function createTempDir(prefix = "k8s-pki-harness-"): TempDir {
  // realpath: components resolve symlinks, and /proc command lines must match what we search for.
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  let keep = false;
  return {
    path,
    keep: () => {
      keep = true;
    },
    get kept() {
      return keep;
    },
    async finish(failed: boolean) {
      await stopAllProcesses(path);
      const survivors = processesMatching(path);
      for (const p of survivors) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      if (failed || keep || survivors.length > 0) {
        keep = true;
        console.error(`component logs kept in ${path}`);
      } else {
        rmSync(path, { recursive: true, force: true, maxRetries: 3 });
      }
      if (survivors.length > 0) {
        throw new Error(`processes outlived their test and were killed:\n${survivors.map((p) => `  ${p.pid} ${p.cmdline}`).join("\n")}`);
      }
    },
  };
}

interface TaskLike {
  type?: string;
  result?: { state?: string };
  tasks?: readonly TaskLike[];
}

function anyFailed(task: TaskLike): boolean {
  if (task.result?.state === "fail") return true;
  return (task.tasks ?? []).some(anyFailed);
}

/**
 * Registers hooks for the enclosing file or describe: a temp folder created
 * in beforeAll, and at afterAll its processes stopped and the folder deleted
 * unless a test or hook failed (see {@link TempDir.finish}, which also fails
 * the suite if a process survived). Register it before the hooks that start
 * components, so its afterAll runs after theirs. Read `.path` inside hooks
 * and tests only.
 */
export function withTempDir(prefix?: string): { readonly path: string; keep(): void } {
  let dir: TempDir | undefined;
  let failed = false;
  beforeAll(() => {
    dir = createTempDir(prefix);
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  // vitest parses the first parameter as a fixture pattern: it must be a destructuring.
   
  afterAll(async ({}, suite) => {
    // A failing beforeAll marks the suite itself as failed, not its tests.
    await dir?.finish(failed || anyFailed(suite as TaskLike));
  });
  return {
    get path(): string {
      if (!dir) throw new Error("withTempDir().path is only available inside hooks and tests");
      return dir.path;
    },
    keep: () => dir?.keep(),
  };
}
