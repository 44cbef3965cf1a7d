import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { withTempDir } from "../harness/fixtures.js";

describe("harness", () => {
  const tmp = withTempDir();
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ dir: tmp.path, controllerManager: true });
    console.log(cp.timings);
  });
  afterAll(async () => {
    tmp.keep();
    await cp?.stop();
  });
  it("starts", () => {
    expect(cp.url).toMatch(/^https:/);
  });
});
