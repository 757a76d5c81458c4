import { randomBytes } from "node:crypto";
import { crc32, deflateSync } from "node:zlib";
import { endpoints } from "../../src/client/endpoints.ts";
import type { MatrixClient } from "../../src/client/client.ts";
import { parseMultipart, type BodyPart } from "../../src/federation/multipart.ts";
import { mustBeError } from "../../src/federation/schemas.ts";
import type { FederationResponse } from "../../src/federation/transport.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

const DOWNLOAD = "GET /_matrix/federation/v1/media/download/{mediaId}";
const THUMBNAIL = "GET /_matrix/federation/v1/media/thumbnail/{mediaId}";
const UPLOAD = "POST /_matrix/media/v3/upload";
const CREATE = "POST /_matrix/media/v1/create";

/** A solid-colour RGB PNG, so the server has a real image to thumbnail. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x3c)]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(pixels)), chunk("IEND", Buffer.alloc(0))]);
}

/** Uploads through the client API and returns the media ID of the `mxc://` URI. */
async function upload(client: MatrixClient, body: Buffer, contentType: string): Promise<string> {
  const response = await client.raw(endpoints.mediaUpload, { body, contentType });
  expect(response.status).toBe(200);
  const uri = (response.json as { content_uri: string }).content_uri;
  const match = /^mxc:\/\/[^/]+\/([^/]+)$/.exec(uri);
  expect(match, uri).not.toBeNull();
  return match![1]!;
}

/**
 * The two parts of a federation media response (server-server-api/#get_matrixfederationv1mediadownloadmediaid):
 * JSON metadata, then the media's bytes or a Location to fetch them from.
 */
function mediaParts(response: FederationResponse): { metadata: unknown; media: BodyPart } {
  expect(response.status, response.text.slice(0, 300)).toBe(200);
  const contentType = String(response.headers["content-type"] ?? "");
  expect(contentType).toMatch(/^multipart\/mixed;/i);
  const parts = parseMultipart(contentType, response.bytes);
  expect(parts).toHaveLength(2);
  const [first, second] = parts as [BodyPart, BodyPart];
  expect(first.headers["content-type"]).toMatch(/^application\/json/);
  return { metadata: JSON.parse(first.body.toString("utf8")), media: second };
}

describe("media over federation", () => {
  test(
    "another server downloads uploaded media as multipart: metadata, then the bytes",
    covers([DOWNLOAD, UPLOAD], "server-server-api/#get_matrixfederationv1mediadownloadmediaid"),
    async ({ alice, hs, peer }) => {
      const bytes = Buffer.concat([Buffer.from("gauntlet federation media "), randomBytes(64)]);
      const mediaId = await upload(alice, bytes, "application/octet-stream");
      const { metadata, media } = mediaParts(await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/media/download/${encodeURIComponent(mediaId)}`));
      expect(metadata).toEqual({});
      // The second part carries the bytes or, instead, a Location to fetch them from.
      if (media.headers["location"]) expect(media.body.length).toBe(0);
      else expect(media.body.equals(bytes)).toBe(true);
    },
  );

  test(
    "another server fetches a thumbnail of an uploaded image as multipart: metadata, then an image",
    covers([THUMBNAIL, UPLOAD], "server-server-api/#get_matrixfederationv1mediathumbnailmediaid"),
    async ({ alice, hs, peer }) => {
      const mediaId = await upload(alice, png(128, 96), "image/png");
      const { metadata, media } = mediaParts(await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/media/thumbnail/${encodeURIComponent(mediaId)}?width=32&height=32&method=scale`));
      expect(metadata).toEqual({});
      if (!media.headers["location"]) {
        expect(media.headers["content-type"]).toMatch(/^image\/(png|apng|jpeg|gif|webp)/);
        expect(media.body.length).toBeGreaterThan(0);
      }
    },
  );

  test(
    "a download of media created but not yet uploaded is 504 M_NOT_YET_UPLOADED once timeout_ms passes",
    covers([DOWNLOAD, CREATE], "server-server-api/#get_matrixfederationv1mediadownloadmediaid"),
    async ({ alice, hs, peer }) => {
      const created = alice.must(await alice.call(endpoints.mediaCreate, { body: {} }));
      const mediaId = created.content_uri.slice(created.content_uri.lastIndexOf("/") + 1);
      mustBeError(await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/media/download/${encodeURIComponent(mediaId)}?timeout_ms=500`), 504, "M_NOT_YET_UPLOADED");
    },
  );

  test(
    "a thumbnail of media created but not yet uploaded is 504 M_NOT_YET_UPLOADED once timeout_ms passes",
    covers([THUMBNAIL, CREATE], "server-server-api/#get_matrixfederationv1mediathumbnailmediaid"),
    async ({ alice, hs, peer }) => {
      const created = alice.must(await alice.call(endpoints.mediaCreate, { body: {} }));
      const mediaId = created.content_uri.slice(created.content_uri.lastIndexOf("/") + 1);
      mustBeError(
        await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/media/thumbnail/${encodeURIComponent(mediaId)}?width=32&height=32&method=scale&timeout_ms=500`),
        504,
        "M_NOT_YET_UPLOADED",
      );
    },
  );

  test(
    "a thumbnail with negative dimensions is 400",
    covers([THUMBNAIL], "server-server-api/#get_matrixfederationv1mediathumbnailmediaid"),
    async ({ alice, hs, peer }) => {
      const mediaId = await upload(alice, png(16, 16), "image/png");
      // "The request does not make sense to the server ... asked for negatively-sized images."
      mustBeError(await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/media/thumbnail/${encodeURIComponent(mediaId)}?width=-32&height=-32&method=scale`), 400);
    },
  );
});
