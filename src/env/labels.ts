// Every container, network and image Gauntlet creates carries these labels, so that
// `gauntlet env down --all` can find what a crashed run left behind.
export const LABEL_RUN = "gauntlet.run";
export const LABEL_ROLE = "gauntlet.role";
export const LABEL_IMAGE_SOURCE = "gauntlet.image.source";
export const LABEL_IMAGE_BUILT = "gauntlet.image.built";
export const LABEL_IMAGE_RECIPE = "gauntlet.image.recipe";
