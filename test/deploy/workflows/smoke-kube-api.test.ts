// The pure parts of the client-node adapter: how a pod is read (ready or why
// not), the exit status of an exec, and API errors as one line.
import { describe, expect, it } from "vitest";
import type { V1Pod, V1Status } from "@kubernetes/client-node";
import { describeKubeError, execExitCode, smokePodOf } from "../../../packages/deploy/src/workflows/smoke-kube-api.js";

describe("smokePodOf", () => {
  it.each<{ what: string; pod: V1Pod; want: object }>([
    {
      what: "a ready pod",
      pod: {
        metadata: { name: "smoke-1" },
        spec: { nodeName: "node1", containers: [] },
        status: { phase: "Running", podIP: "10.1.1.5", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "smoke", image: "b", imageID: "", ready: true, restartCount: 0, state: { running: {} } }] },
      },
      want: { name: "smoke-1", node: "node1", ip: "10.1.1.5", ready: true, state: "Running" },
    },
    {
      what: "an image that cannot be pulled",
      pod: {
        metadata: { name: "smoke-2" },
        spec: { nodeName: "node2", containers: [] },
        status: {
          phase: "Pending",
          conditions: [{ type: "Ready", status: "False" }],
          containerStatuses: [{ name: "smoke", image: "b", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ErrImagePull", message: "failed to pull docker.io/library/busybox:1.36" } } }],
        },
      },
      want: { name: "smoke-2", node: "node2", ip: undefined, ready: false, state: "Pending: ErrImagePull: failed to pull docker.io/library/busybox:1.36" },
    },
    {
      what: "a pod no node takes",
      pod: { metadata: { name: "smoke-3" }, spec: { containers: [] }, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", message: "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules." }] } },
      want: { name: "smoke-3", node: undefined, ready: false, state: "Pending: 0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules." },
    },
    {
      what: "a running pod whose probe has not passed",
      pod: {
        metadata: { name: "smoke-4" },
        spec: { nodeName: "node1", containers: [] },
        status: { phase: "Running", podIP: "10.1.1.6", conditions: [{ type: "Ready", status: "False" }], containerStatuses: [{ name: "smoke", image: "b", imageID: "", ready: false, restartCount: 0, state: { running: {} } }] },
      },
      want: { name: "smoke-4", ready: false, state: "Running: readiness probe not passing yet" },
    },
  ])("$what", ({ pod, want }) => {
    expect(smokePodOf(pod)).toMatchObject(want);
  });
});

describe("execExitCode", () => {
  it.each<{ what: string; status: V1Status; code: number }>([
    { what: "success", status: { status: "Success" }, code: 0 },
    { what: "a non-zero exit", status: { status: "Failure", reason: "NonZeroExitCode", message: "command terminated with non-zero exit code: error executing command [sh -c false], exit code 1", details: { causes: [{ reason: "ExitCode", message: "1" }] } }, code: 1 },
    { what: "a failure with no exit code", status: { status: "Failure", message: "container not found" }, code: -1 },
  ])("$what", ({ status, code }) => {
    expect(execExitCode(status)).toBe(code);
  });
});

describe("describeKubeError", () => {
  it.each([
    { what: "an API Status", e: Object.assign(new Error("HTTP-Code: 403"), { code: 403, body: JSON.stringify({ kind: "Status", message: 'namespaces is forbidden: User "x" cannot create' }) }), line: 'HTTP 403: namespaces is forbidden: User "x" cannot create' },
    { what: "a body that is not JSON", e: Object.assign(new Error("x"), { code: 502, body: "Bad Gateway" }), line: "HTTP 502: Bad Gateway" },
    { what: "a network error", e: new Error("connect ECONNREFUSED 10.0.0.1:6443"), line: "connect ECONNREFUSED 10.0.0.1:6443" },
    { what: "ws's ErrorEvent (a refused exec upgrade)", e: { type: "error", message: "Unexpected server response: 403", error: new Error("Unexpected server response: 403") }, line: "Unexpected server response: 403" },
  ])("$what", ({ e, line }) => {
    expect(describeKubeError(e)).toBe(line);
  });
});
