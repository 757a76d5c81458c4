import { z } from "zod";
import { userId } from "./common.ts";

const signatures = z.record(z.string(), z.record(z.string(), z.string()));

// client-server-api/#post_matrixclientv3keysupload
export const keysUploadResponse = z.looseObject({ one_time_key_counts: z.record(z.string(), z.number().int().nonnegative()) });

// DeviceKeys: client-server-api/#post_matrixclientv3keysquery
export const deviceKeys = z.looseObject({
  user_id: userId,
  device_id: z.string().min(1),
  algorithms: z.array(z.string()),
  keys: z.record(z.string(), z.string()),
  signatures: signatures,
  unsigned: z.looseObject({ device_display_name: z.string().optional() }).optional(),
});

// CrossSigningKey: client-server-api/#post_matrixclientv3keysdevice_signingupload
export const crossSigningKey = z.looseObject({
  user_id: userId,
  usage: z.array(z.string()).min(1),
  keys: z.record(z.string(), z.string()),
  signatures: signatures.optional(),
});

export const keysQueryResponse = z.looseObject({
  failures: z.record(z.string(), z.looseObject({})).optional(),
  device_keys: z.record(z.string(), z.record(z.string(), deviceKeys)).optional(),
  master_keys: z.record(z.string(), crossSigningKey).optional(),
  self_signing_keys: z.record(z.string(), crossSigningKey).optional(),
  user_signing_keys: z.record(z.string(), crossSigningKey).optional(),
});

// client-server-api/#post_matrixclientv3keysclaim
export const keysClaimResponse = z.looseObject({
  failures: z.record(z.string(), z.looseObject({})).optional(),
  one_time_keys: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.union([z.string(), z.looseObject({ key: z.string() })])))),
});

// client-server-api/#get_matrixclientv3keyschanges
export const keysChangesResponse = z.looseObject({ changed: z.array(userId).optional(), left: z.array(userId).optional() });

// client-server-api/#post_matrixclientv3keyssignaturesupload
export const signaturesUploadResponse = z.looseObject({ failures: z.record(z.string(), z.record(z.string(), z.looseObject({}))).optional() });

// client-server-api/#server-side-key-backups
export const backupVersionCreated = z.looseObject({ version: z.string().min(1) });
export const backupVersion = z.looseObject({
  algorithm: z.string(),
  auth_data: z.looseObject({}),
  count: z.number().int().nonnegative(),
  etag: z.string(),
  version: z.string(),
});
export const backupKeysUpdated = z.looseObject({ count: z.number().int().nonnegative(), etag: z.string() });
export const keyBackupData = z.looseObject({
  first_message_index: z.number().int(),
  forwarded_count: z.number().int(),
  is_verified: z.boolean(),
  session_data: z.looseObject({}),
});
export const roomKeyBackup = z.looseObject({ sessions: z.record(z.string(), keyBackupData) });
export const roomKeysResponse = z.looseObject({ rooms: z.record(z.string(), roomKeyBackup) });
