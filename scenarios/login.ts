// Password logins per second at an open arrival rate. Registration happens in setup(), outside
// every measured number: password hashing dominates it.
import { check } from "k6";
import exec from "k6/execution";
import { Rate, Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { login, logout, mustRegisterMany, type MatrixUser } from "./lib/matrix.ts";
import { numberParameter, runLabel, stringParameter } from "./lib/parameters.ts";

const rate = numberParameter("GAUNTLET_RATE", 5);

const loginDuration = new Trend("login_duration", true);
const loginOk = new Rate("login_ok");

export const options: Options = {
  setupTimeout: "10m",
  scenarios: {
    login: {
      executor: "constant-arrival-rate",
      rate,
      timeUnit: "1s",
      duration: stringParameter("GAUNTLET_DURATION", "30s"),
      preAllocatedVUs: Math.max(1, Math.min(rate * 2, 50)),
      maxVUs: numberParameter("GAUNTLET_VUS", Math.max(10, rate * 4)),
    },
  },
  thresholds: { login_ok: ["rate>0.99"] },
};

export async function setup(): Promise<{ users: MatrixUser[] }> {
  return { users: await mustRegisterMany(runLabel("login"), numberParameter("GAUNTLET_USERS", 20)) };
}

export default async function (seed: { users: MatrixUser[] }): Promise<void> {
  const account = seed.users[exec.scenario.iterationInTest % seed.users.length]!;
  const { response, user } = await login(account.localpart, account.password);
  loginDuration.add(response.timings.duration);
  loginOk.add(response.status === 200);
  check(response, { "logged in (200)": (r) => r.status === 200 });
  // Each login makes a device; ending the session keeps the account's device list short.
  if (user) await logout(user);
}
