import { describe, expect, test } from "vitest";
import { registrationMac } from "../../../src/env/profiles/synapse-registration.ts";

// Expected values computed independently with Python's hmac module (HMAC-SHA1 over
// nonce NUL user NUL password NUL admin|notadmin [NUL user_type]), as register_new_matrix_user does.
describe("shared-secret registration MAC", () => {
  const secret = "shared-secret-for-tests";
  test("ordinary user", () => {
    expect(registrationMac(secret, "abc123nonce", "alice", "correct horse", false)).toBe("34336ea9b500cbc8d52ff3b27fbb8b1ee5c140c1");
  });
  test("admin user", () => {
    expect(registrationMac(secret, "abc123nonce", "root", "pw", true)).toBe("5b334b16f666e9f144ef12a10071141518d29529");
  });
  test("user type is appended when given", () => {
    expect(registrationMac(secret, "abc123nonce", "bot", "pw", false, "bot")).toBe("263893ff1d51924103d50b0819ad926936b7246a");
  });
  test("a different secret gives a different MAC", () => {
    expect(registrationMac("other", "abc123nonce", "alice", "correct horse", false)).not.toBe("34336ea9b500cbc8d52ff3b27fbb8b1ee5c140c1");
  });
});
