// Every deploy component, in stage order: the plan declares their units in
// this order, apply starts them stage by stage, verify checks them in it.
import { addons } from "./addons.js";
import { approver } from "./approver.js";
import { clusterObjects } from "./cluster-objects.js";
import type { Component } from "./component.js";
import { containerd } from "./containerd.js";
import { etcd } from "./etcd.js";
import { flannel } from "./flannel.js";
import { hostPrep } from "./host-prep.js";
import { images } from "./images.js";
import { kubeApiserver } from "./kube-apiserver.js";
import { kubeControllerManager } from "./kube-controller-manager.js";
import { kubeLb } from "./kube-lb.js";
import { kubeProxy } from "./kube-proxy.js";
import { kubeScheduler } from "./kube-scheduler.js";
import { kubelet } from "./kubelet.js";
import { renewalTimers } from "./renewal-timer.js";

export const COMPONENTS: readonly Component[] = [
  hostPrep,
  etcd,
  flannel,
  kubeApiserver,
  kubeControllerManager,
  kubeScheduler,
  clusterObjects,
  approver,
  addons,
  // First in the worker stage: the kubelet and kube-proxy reach the API servers through it.
  kubeLb,
  containerd,
  images,
  kubelet,
  kubeProxy,
  renewalTimers,
];

export type { Component, ComponentChecks, NodePlanner } from "./component.js";
