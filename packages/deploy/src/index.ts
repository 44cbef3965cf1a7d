// @k8s/deploy: inventory, plan, render, transport and verify for Kubernetes clusters deployed from binaries.
export { DeployError, isDeployError, type DeployErrorCode } from "./errors.js";
export { STAGES, type RenderedFile, type RenderedUnit, type RenderedNode, type Stage } from "./rendered.js";
