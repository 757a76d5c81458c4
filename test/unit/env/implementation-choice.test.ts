import { describe, expect, test } from "vitest";
import { environmentOptionsFrom } from "../../../src/cli/environment-options.ts";
import { debianImageTag } from "../../../src/env/debian-image.ts";
import { dendriteProfile } from "../../../src/env/profiles/dendrite.ts";
import { synapseProfile } from "../../../src/env/profiles/synapse.ts";
import { checkSynapseVersion } from "../../../src/env/synapse-image.ts";

describe("releases of an implementation other than the default", () => {
  test("Synapse's default is the registry's latest image, or the Debian-built base", () => {
    expect(synapseProfile.registryImage()).toBe("matrixdotorg/synapse:latest");
    expect(synapseProfile.localImage().tag()).toBe(debianImageTag());
  });

  test("a Synapse release names its registry tag and an image built from PyPI, tagged with the release", () => {
    expect(synapseProfile.registryImage("1.163.2")).toBe("matrixdotorg/synapse:v1.163.2");
    expect(synapseProfile.localImage("1.163.2").tag()).toMatch(/^gauntlet\/synapse:1\.163\.2-[0-9a-f]{10}$/);
    expect(synapseProfile.localImage("1.164.0rc1").tag()).toMatch(/^gauntlet\/synapse:1\.164\.0rc1-/);
  });

  test("a Synapse version that is not a PyPI release name is refused with an example", () => {
    for (const bad of ["latest", "v1.163.2", "1.163", "1.163.2; rm -rf /"]) {
      expect(() => checkSynapseVersion(bad)).toThrow(/expected a release as PyPI's matrix-synapse names it, e\.g\. 1\.163\.2/);
    }
  });

  test("Dendrite offers v0.13.8 only, with or without the v", () => {
    expect(dendriteProfile.registryImage()).toBe("matrixdotorg/dendrite-monolith:v0.13.8");
    expect(dendriteProfile.registryImage("0.13.8")).toBe("matrixdotorg/dendrite-monolith:v0.13.8");
    expect(dendriteProfile.localImage("v0.13.8").tag()).toMatch(/^gauntlet\/dendrite:v0\.13\.8-[0-9a-f]{10}$/);
    expect(() => dendriteProfile.localImage("0.14.0")).toThrow("Dendrite 0.14.0: only v0.13.8 is available (the last Apache-2.0 release of github.com/matrix-org/dendrite)");
  });

  test("--hs-version that the implementation cannot provide is a usage error (exit 2) naming the option", () => {
    const argv = { hs: "dendrite", db: "sqlite", servers: 1, imageSource: "auto", network: "host", healthTimeout: 180, hsVersion: "0.14.0" };
    expect(() => environmentOptionsFrom(argv)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^--hs-version 0\.14\.0: Dendrite 0\.14\.0: only v0\.13\.8/) }));
    expect(environmentOptionsFrom({ ...argv, hs: "synapse", hsVersion: "1.163.2" }).version).toBe("1.163.2");
  });
});

describe("mixed pairs", () => {
  test("--hs2 makes two servers of the two implementations", () => {
    const argv = { hs: "synapse", hs2: "dendrite", db: "sqlite", servers: 1, imageSource: "auto", network: "host", healthTimeout: 180 };
    expect(environmentOptionsFrom(argv)).toMatchObject({ profile: "synapse", profile2: "dendrite", servers: 2 });
  });
});
