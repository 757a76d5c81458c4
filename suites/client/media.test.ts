import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { covers, describe, test } from "../fixtures.ts";
import { parseMxc, png } from "../media-content.ts";

describe("content repository", () => {
  test("uploaded bytes download unchanged with their type and file name", covers([endpoints.mediaUpload, endpoints.mediaDownload, endpoints.mediaDownloadNamed], "client-server-api/#content-repository"), async ({ alice, bob }) => {
    const bytes = Buffer.from("gauntlet media body \u00e9\n", "utf8");
    const upload = await alice.raw(endpoints.mediaUpload, { body: bytes, contentType: "text/plain", query: { filename: "notes.txt" } });
    expect(upload.status).toBe(200);
    const { serverName, mediaId } = parseMxc((upload.json as { content_uri: string }).content_uri);
    const download = await bob.raw(endpoints.mediaDownload, { path: { serverName, mediaId } });
    expect(download.status).toBe(200);
    expect(download.bytes.equals(bytes)).toBe(true);
    expect(download.contentType).toMatch(/^text\/plain/);
    const named = await bob.raw(endpoints.mediaDownloadNamed, { path: { serverName, mediaId, fileName: "renamed.txt" } });
    expect(named.bytes.equals(bytes)).toBe(true);
    // The file name in the path replaces the uploaded one: client-server-api/#get_matrixclientv1mediadownloadservernamemediaidfilename.
    expect(named.contentDisposition).toContain("renamed.txt");
  });

  test("authenticated download without a token is 401 M_MISSING_TOKEN", covers([endpoints.mediaUpload, endpoints.mediaDownload], "client-server-api/#client-authentication"), async ({ alice, anonymous }) => {
    const upload = await alice.raw(endpoints.mediaUpload, { body: Buffer.from("private"), contentType: "text/plain" });
    const { serverName, mediaId } = parseMxc((upload.json as { content_uri: string }).content_uri);
    expectMatrixError(await anonymous.raw(endpoints.mediaDownload, { path: { serverName, mediaId }, auth: false }), 401, "M_MISSING_TOKEN");
  });

  test("unknown media is M_NOT_FOUND", covers([endpoints.mediaDownload, endpoints.mediaDownloadNamed, endpoints.mediaThumbnail], "client-server-api/#get_matrixclientv1mediadownloadservernamemediaid"), async ({ alice, hs }) => {
    const path = { serverName: hs.serverName, mediaId: "gauntletNoSuchMedia0000" };
    expectMatrixError(await alice.raw(endpoints.mediaDownload, { path }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.raw(endpoints.mediaDownloadNamed, { path: { ...path, fileName: "x.txt" } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.raw(endpoints.mediaThumbnail, { path, query: { width: 32, height: 32 } }), 404, "M_NOT_FOUND");
  });

  test("an image gets a thumbnail no larger than asked", covers([endpoints.mediaUpload, endpoints.mediaThumbnail], "client-server-api/#thumbnails"), async ({ alice }) => {
    const upload = await alice.raw(endpoints.mediaUpload, { body: png(128, 96), contentType: "image/png" });
    const { serverName, mediaId } = parseMxc((upload.json as { content_uri: string }).content_uri);
    const thumb = await alice.raw(endpoints.mediaThumbnail, { path: { serverName, mediaId }, query: { width: 32, height: 32, method: "scale" } });
    expect(thumb.status).toBe(200);
    expect(thumb.contentType).toMatch(/^image\/(png|jpeg|webp|gif)/);
    expect(thumb.bytes.byteLength).toBeGreaterThan(0);
  });

  test("a thumbnail without width and height is 400", covers([endpoints.mediaThumbnail], "client-server-api/#get_matrixclientv1mediathumbnailservernamemediaid"), async ({ alice }) => {
    const upload = await alice.raw(endpoints.mediaUpload, { body: png(8, 8), contentType: "image/png" });
    const { serverName, mediaId } = parseMxc((upload.json as { content_uri: string }).content_uri);
    // width and height are required; the endpoint gives no errcode for their absence.
    const res = await alice.raw(endpoints.mediaThumbnail, { path: { serverName, mediaId } });
    expectMatrixError(res, 400);
  });

  test("a created media ID is filled by a later upload", covers([endpoints.mediaCreate, endpoints.mediaUploadTo, endpoints.mediaDownload], "client-server-api/#post_matrixmediav1create"), async ({ alice }) => {
    const created = alice.must(await alice.call(endpoints.mediaCreate, { body: {} }));
    const { serverName, mediaId } = parseMxc(created.content_uri);
    const put = await alice.raw(endpoints.mediaUploadTo, { path: { serverName, mediaId }, body: Buffer.from("later"), contentType: "text/plain" });
    expect(put.status).toBe(200);
    const download = await alice.raw(endpoints.mediaDownload, { path: { serverName, mediaId } });
    expect(download.bytes.toString()).toBe("later");
  });

  test("uploading twice to a created media ID is 409 M_CANNOT_OVERWRITE_MEDIA", covers([endpoints.mediaCreate, endpoints.mediaUploadTo], "client-server-api/#put_matrixmediav3uploadservernamemediaid"), async ({ alice }) => {
    const { serverName, mediaId } = parseMxc(alice.must(await alice.call(endpoints.mediaCreate, { body: {} })).content_uri);
    await alice.raw(endpoints.mediaUploadTo, { path: { serverName, mediaId }, body: Buffer.from("first"), contentType: "text/plain" });
    expectMatrixError(await alice.raw(endpoints.mediaUploadTo, { path: { serverName, mediaId }, body: Buffer.from("second"), contentType: "text/plain" }), 409, "M_CANNOT_OVERWRITE_MEDIA");
  });

  test("uploading to another user's media ID is 403 M_FORBIDDEN", covers([endpoints.mediaCreate, endpoints.mediaUploadTo], "client-server-api/#put_matrixmediav3uploadservernamemediaid"), async ({ alice, bob }) => {
    const { serverName, mediaId } = parseMxc(alice.must(await alice.call(endpoints.mediaCreate, { body: {} })).content_uri);
    expectMatrixError(await bob.raw(endpoints.mediaUploadTo, { path: { serverName, mediaId }, body: Buffer.from("theirs"), contentType: "text/plain" }), 403, "M_FORBIDDEN");
  });

  test("upload and create without a token are 401 M_MISSING_TOKEN", covers([endpoints.mediaUpload, endpoints.mediaCreate], "client-server-api/#post_matrixmediav3upload"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.raw(endpoints.mediaUpload, { body: Buffer.from("x"), contentType: "text/plain", auth: false }), 401, "M_MISSING_TOKEN");
    expectMatrixError(await anonymous.call(endpoints.mediaCreate, { body: {}, auth: false }), 401, "M_MISSING_TOKEN");
  });

  test("the media config states an upload size limit", covers([endpoints.mediaConfig], "client-server-api/#get_matrixclientv1mediaconfig"), async ({ alice }) => {
    const config = alice.must(await alice.call(endpoints.mediaConfig));
    expect(config["m.upload.size"]).toBeGreaterThan(0);
  });

  test("the media config without a token is 401 M_MISSING_TOKEN", covers([endpoints.mediaConfig], "client-server-api/#get_matrixclientv1mediaconfig"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.mediaConfig, { auth: false }), 401, "M_MISSING_TOKEN");
  });
});

describe("URL previews", () => {
  // A page on loopback, the only range the deployment lets the server fetch.
  async function withPage<T>(html: string, run: (url: string) => Promise<T>): Promise<T> {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/page`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  test("a preview carries the page's OpenGraph data", covers([endpoints.mediaPreview], "client-server-api/#get_matrixclientv1mediapreview_url"), async ({ alice }) => {
    const html = `<html><head><title>fallback</title><meta property="og:title" content="Gauntlet preview"><meta property="og:description" content="checked by a suite"></head><body>hi</body></html>`;
    const preview = await withPage(html, async (url) => alice.must(await alice.call(endpoints.mediaPreview, { query: { url } })));
    expect(preview).toMatchObject({ "og:title": "Gauntlet preview", "og:description": "checked by a suite" });
  });

  test("a preview without a url is 400", covers([endpoints.mediaPreview], "client-server-api/#get_matrixclientv1mediapreview_url"), async ({ alice }) => {
    // url is required; the endpoint gives no errcode for its absence.
    expectMatrixError(await alice.call(endpoints.mediaPreview), 400);
  });
});
