// The inventory's image archives on every worker (render/images.ts): copied
// as they are, with ctr to import them; the unit runs after containerd and
// before the kubelet (it is listed between them: a stage starts its units in
// plan order), and a changed archive is imported again.
import { IMAGES_UNIT, imageNodePath, imagesNotes, imagesUnit } from "../render/images.js";
import type { Component } from "./component.js";

export { IMAGES_UNIT };

export const images: Component = {
  name: "images",
  stage: "worker",
  roles: ["worker"],
  plan(b) {
    if (b.inv.images.length === 0) return;
    b.unit(IMAGES_UNIT, [b.bin("ctr"), ...b.inv.images.map((p) => b.copy(imageNodePath(p), p))]);
  },
  templates: { [IMAGES_UNIT]: imagesUnit },
  notes: (inv) => imagesNotes(inv.images),
  // Local mode runs no container runtime.
  skippedInLocalMode: true,
};
