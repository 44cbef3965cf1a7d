// @k8s/deploy: inventory, plan, render, transport and verify for Kubernetes clusters deployed from binaries.
//
// A curated list (sigstore-style): what the CLI, the bench and a second front
// end (an operator, a CI job) call, and the types those calls take and return.
// Internal helpers stay unexported here; the tests import them from their sources.

// Errors: one class with a string code.
export { DeployError, isDeployError, type DeployErrorCode } from "./errors.js";

// Workflows: one call per CLI action, so another front end reuses them.
export { applyCluster, type ApplyClusterEvent, type ApplyClusterOptions, type ApplyClusterResult, type LocalNodes, type StateEvent } from "./workflows/apply-cluster.js";
export { renderToFolder, type RenderToFolderOptions, type RenderToFolderResult } from "./workflows/render-to-folder.js";
export { checkClusterFiles, clusterFilesTextfile, type CheckClusterFilesOptions, type CheckClusterFilesResult } from "./workflows/check-cluster-files.js";
export { checkCaRetirement, type CaRetirementCheck, type CaRetirementOptions } from "./workflows/ca-retirement.js";
export type { NodeAccess, SshSettings, TransportFor } from "./workflows/node-transports.js";
export type { NodeFileState } from "./node-certs.js";

// Inventory: the one input, read, checked and defaulted.
export { loadInventory, parseInventory, validateInventory, type Inventory } from "./inventory.js";
export { defaultInventory, ANNOTATED_INVENTORY_YAML } from "./default-inventory.js";
export { localInventory } from "./state.js";
export { caConfigJson } from "./ca-config-sample.js";

// Plan: what goes where, pure and deterministic, as text or as a JSON document.
export { buildPlan, type Plan, type PlannedCert } from "./plan.js";
export { renderPlanText } from "./plan-text.js";
export { planDocument, type PlanDocument } from "./plan-document.js";

// State folder: the CAs, keys and secrets kept between runs, and what a run would change in it.
export { StateStore, type KeptReader, type RotationState, type SecretsRecord, type StateFileKind } from "./state/store.js";
export { loadOrCreateState, loadState, renewBootstrapTokens, type StateOptions } from "./state.js";
export type { ClusterSecrets } from "./state/secrets.js";
export { signingConfigJson, certCsrJson, type BuildPkiOptions, type Pki, type PkiMaterial } from "./pki-build.js";
export { diffState, formatStateDiff, loadKeptPki, type StateDiff, type TokenDiffEntry } from "./state-diff.js";

// Render: the files, modes and units of every node.
export { renderCluster, type RenderOptions } from "./render.js";
export { writeRendered } from "./write-rendered.js";
export type { RenderedNode } from "./rendered.js";

// Apply: ship the rendered files over a transport and start the units through a service manager.
export { applyNodes, formatApplyEvent, type ApplyEvent, type ApplyOptions, type ApplyResult } from "./apply.js";
export type { ExecOptions, ExecResult, RemoteFileState, Transport } from "./transport/transport.js";
export { LocalTransport, type LocalTransportOptions } from "./transport/local.js";
export { SshTransport, type SshTransportOptions } from "./transport/ssh.js";
export { ScriptServiceManager, SystemdServiceManager, type ScriptServiceManagerOptions, type ServiceManager } from "./service-manager.js";
export { stopLocalUnits, formatStoppedLocalUnit, type StopLocalUnitsOptions, type StoppedLocalUnit } from "./local-stop.js";

// Verify: check a running cluster against its plan.
export { verifyCluster, formatVerify, type VerifyCheck, type VerifyOptions } from "./verify.js";
export { runSmokeTest, formatSmokeCheck, formatSmokeSummary, DEFAULT_SMOKE_IMAGE, type SmokeCheck, type SmokeTestOptions, type SmokeTestResult } from "./workflows/smoke-test.js";
export type { SmokeApi, SmokeExecResult, SmokeNode, SmokePod } from "./workflows/smoke-api.js";
export type { SmokeKubeApiOptions } from "./workflows/smoke-kube-api.js";

// CA rotation: trust both, reissue, finish.
export { startCaRotation, reissueCaRotation, finishCaRotation, readRotation, type RotationOptions } from "./ca-rotation.js";

// Components: the list plan, render, readiness and verify loop over, for extension.
export { COMPONENTS, type Component } from "./components/index.js";
