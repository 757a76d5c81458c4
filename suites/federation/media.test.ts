import { randomBytes } from "node:crypto";
import { endpoints } from "../../src/client/endpoints.ts";
import type { MatrixClient } from "../../src/client/client.ts";
import { parseMultipart, type BodyPart } from "../../src/federation/multipart.ts";
import { expectMatrixError, expectStatus } from "../../src/client/matchers.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import type { FederationResult } from "../../src/federation/remote-server.ts";
import { parseMxc, png } from "../media-content.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

/** Uploads through the client API and returns the media ID of the `mxc://` URI. */
async function upload(client: MatrixClient, body: Buffer, contentType: string): Promise<string> {
  const response = await client.raw(endpoints.mediaUpload, { body, contentType });
  expect(response.status).toBe(200);
  return parseMxc((response.json as { content_uri: string }).content_uri).mediaId;
}

/**
 * The two parts of a federation media response (server-server-api/#get_matrixfederationv1mediadownloadmediaid):
 * JSON metadata, then the media's bytes or a Location to fetch them from.
 */
function mediaParts(response: FederationResult<unknown>): { metadata: unknown; media: BodyPart } {
  expectStatus(response, 200);
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
    covers([fed.mediaDownload, endpoints.mediaUpload], "server-server-api/#get_matrixfederationv1mediadownloadmediaid"),
    async ({ alice, hs, peer }) => {
      const bytes = Buffer.concat([Buffer.from("gauntlet federation media "), randomBytes(64)]);
      const mediaId = await upload(alice, bytes, "application/octet-stream");
      const { metadata, media } = mediaParts(await peer.to(hs).mediaDownload(mediaId));
      expect(metadata).toEqual({});
      // The second part carries the bytes or, instead, a Location to fetch them from.
      if (media.headers["location"]) expect(media.body.length).toBe(0);
      else expect(media.body.equals(bytes)).toBe(true);
    },
  );

  test(
    "another server fetches a thumbnail of an uploaded image as multipart: metadata, then an image",
    covers([fed.mediaThumbnail, endpoints.mediaUpload], "server-server-api/#get_matrixfederationv1mediathumbnailmediaid"),
    async ({ alice, hs, peer }) => {
      const mediaId = await upload(alice, png(128, 96), "image/png");
      const { metadata, media } = mediaParts(await peer.to(hs).mediaThumbnail(mediaId, { width: 32, height: 32, method: "scale" }));
      expect(metadata).toEqual({});
      if (!media.headers["location"]) {
        expect(media.headers["content-type"]).toMatch(/^image\/(png|apng|jpeg|gif|webp)/);
        expect(media.body.length).toBeGreaterThan(0);
      }
    },
  );

  test(
    "a download of media created but not yet uploaded is 504 M_NOT_YET_UPLOADED once timeout_ms passes",
    covers([fed.mediaDownload, endpoints.mediaCreate], "server-server-api/#get_matrixfederationv1mediadownloadmediaid"),
    async ({ alice, hs, peer }) => {
      const created = alice.must(await alice.call(endpoints.mediaCreate, { body: {} }));
      const mediaId = created.content_uri.slice(created.content_uri.lastIndexOf("/") + 1);
      expectMatrixError(await peer.to(hs).mediaDownload(mediaId, { timeout_ms: 500 }), 504, "M_NOT_YET_UPLOADED");
    },
  );

  test(
    "a thumbnail of media created but not yet uploaded is 504 M_NOT_YET_UPLOADED once timeout_ms passes",
    covers([fed.mediaThumbnail, endpoints.mediaCreate], "server-server-api/#get_matrixfederationv1mediathumbnailmediaid"),
    async ({ alice, hs, peer }) => {
      const created = alice.must(await alice.call(endpoints.mediaCreate, { body: {} }));
      const mediaId = created.content_uri.slice(created.content_uri.lastIndexOf("/") + 1);
      expectMatrixError(await peer.to(hs).mediaThumbnail(mediaId, { width: 32, height: 32, method: "scale", timeout_ms: 500 }), 504, "M_NOT_YET_UPLOADED");
    },
  );

  test(
    "a thumbnail with negative dimensions is 400",
    covers([fed.mediaThumbnail], "server-server-api/#get_matrixfederationv1mediathumbnailmediaid"),
    async ({ alice, hs, peer }) => {
      const mediaId = await upload(alice, png(16, 16), "image/png");
      // "The request does not make sense to the server ... asked for negatively-sized images."
      expectMatrixError(await peer.to(hs).mediaThumbnail(mediaId, { width: -32, height: -32, method: "scale" }), 400);
    },
  );
});
