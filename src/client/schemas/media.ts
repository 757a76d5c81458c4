import { z } from "zod";

const mxc = z.string().regex(/^mxc:\/\/[^/]+\/[A-Za-z0-9_-]+$/, "an mxc:// URI");

// client-server-api/#post_matrixmediav3upload
export const uploadResponse = z.looseObject({ content_uri: mxc });

// client-server-api/#post_matrixmediav1create
export const createMediaResponse = z.looseObject({ content_uri: mxc, unused_expires_at: z.number().int().optional() });

// client-server-api/#get_matrixclientv1mediaconfig
export const mediaConfigResponse = z.looseObject({ "m.upload.size": z.number().int().positive().optional() });

// client-server-api/#get_matrixclientv1mediapreview_url: OpenGraph data
export const previewResponse = z.looseObject({ "matrix:image:size": z.number().int().optional(), "og:image": z.string().optional() });
