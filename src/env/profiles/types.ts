import type Dockerode from "dockerode";
import type { AppserviceRegistration } from "../../appservice/registration.ts";
import type { RegisteredAccount } from "../../client/registration.ts";
import type { LocalImageRecipe } from "../images.ts";
import type { CertificatePair } from "../tls.ts";

export type DatabaseKind = "sqlite" | "postgres";

/** A PostgreSQL database as the homeserver inside its container reaches it. */
export interface PostgresDatabase {
  kind: "postgres";
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** SQLite inside the homeserver's container, where its profile keeps it (`sqliteLocation`). */
export interface SqliteDatabase {
  kind: "sqlite";
}

export type DatabaseConfig = PostgresDatabase | SqliteDatabase;

export interface HomeserverSecrets {
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
}

/** Everything a profile needs to configure one homeserver of a run. */
export interface HomeserverSpec {
  /** hs1, hs2: the role of this homeserver within the run. */
  name: string;
  serverName: string;
  /** Address the listeners bind inside the container. */
  listenAddress: string;
  clientPort: number;
  federationPort: number;
  publicBaseUrl: string;
  database: DatabaseConfig;
  roomVersion?: string;
  /** Certificate for the federation listener, and the run CA it trusts for outbound federation. */
  tls: CertificatePair;
  caCertPem: string;
  secrets: HomeserverSecrets;
  /** ed25519 signing key: id (`ed25519:a_xxxx` without the algorithm) and unpadded base64 seed. */
  signingKey: { version: string; seedBase64: string };
  /** Services the harness itself plays for the homeserver, on loopback. */
  services?: HarnessServices;
  /** Implementation-specific settings laid over the generated configuration (top-level keys). */
  configOverrides?: Record<string, unknown>;
}

/**
 * Counterparts the harness runs in its own process while suites need them, wired into the
 * homeserver's configuration at start. Only with host networking: the container reaches them
 * on 127.0.0.1.
 */
export interface HarnessServices {
  /** An application service registered with the homeserver (Application Service API). */
  appservice?: AppserviceRegistration;
  /** Plain SMTP on 127.0.0.1 that takes the homeserver's email, e.g. validation tokens. */
  mail?: MailService;
}

export interface MailService {
  smtpPort: number;
  /** Sender address of the homeserver's email. */
  from: string;
}

/** How to run a homeserver's container: files to place in it and the process to start. */
export interface ContainerPlan {
  files: { path: string; content: string; mode?: number }[];
  entrypoint: string[];
  command: string[];
  env: Record<string, string>;
  user?: string;
}

/** Where the harness reaches a homeserver to administer it. */
export interface AdminAccess {
  baseUrl: string;
  registrationSharedSecret: string;
}

export interface NewUser {
  localpart: string;
  password: string;
  admin?: boolean;
  displayName?: string;
}

/** A user the profile registered: the client's account, and whether it administers the server. */
export interface ProvisionedUser extends RegisteredAccount {
  admin: boolean;
}

/**
 * What Gauntlet must know about a homeserver implementation to test it. Suites never call
 * implementation-specific endpoints; everything of that kind lives behind this interface.
 */
export interface HomeserverProfile {
  name: string;
  displayName: string;
  databases: readonly DatabaseKind[];
  /** Where the SQLite database lives inside the container, as `env status` shows it. */
  sqliteLocation: string;
  /** The embedded database's files and directories inside the container (shell globs, space-separated), whose bytes are its size. */
  embeddedDatabaseFiles: string;
  /** Image on a public registry, for machines that can pull: the default release, or the one given. */
  registryImage(version?: string): string;
  /** The image built on this machine where no registry answers: the default release, or the one given. */
  localImage(version?: string): LocalImageRecipe;
  /** Which of the harness's counterparts the implementation can be wired to. */
  harnessServices: readonly (keyof HarnessServices)[];
  /** Container setup for one homeserver of a run. Pure: no I/O. */
  plan(spec: HomeserverSpec): ContainerPlan;
  /** Paths on the client listener that answer 200 once the homeserver serves requests. */
  healthPaths: readonly string[];
  /** Creates a user without user-interactive auth (the implementation's admin route), or with the run's registration token. */
  registerUser(access: AdminAccess, user: NewUser): Promise<ProvisionedUser>;
  /**
   * The program `plan` starts, by the name it has on the image's PATH: `--binary` puts a locally
   * built server there. Absent where a single binary is not the server (Synapse).
   */
  executable?: string;
  /** The server makes its own signing key on first start (the spec's key is not given to it); its key ID is read after start. */
  generatesSigningKey?: boolean;
  /**
   * Copies a running SQLite deployment into an empty PostgreSQL database with the
   * implementation's own tool and serves the copy beside the original; absent where there is none.
   */
  portToPostgres?(request: PortRequest): Promise<PortedHomeserver>;
  /**
   * Waits, after the homeserver is healthy, until work it schedules for itself after start is
   * done (Synapse: the background updates of a new database, during which its user directory
   * and other indexes lag), so the first tests do not race it. Absent where there is none.
   */
  settle?(request: SettleRequest): Promise<void>;
  /**
   * Waits until the homeserver's asynchronous indexes have processed every event persisted before
   * the call (Synapse: the user directory, which falls tens of seconds behind under a full run's
   * load). Suites reach it through `DeploymentHomeserver.caughtUp` before reading such an index.
   * Absent where there is none.
   */
  catchUp?(request: CatchUpRequest): Promise<void>;
}

/** A running homeserver's container, and how long its indexes may take to catch up. */
export type CatchUpRequest = Omit<SettleRequest, "step">;

/** A started homeserver's container, and how long it may take to settle. */
export interface SettleRequest {
  docker: Dockerode;
  containerId: string;
  deadlineMs: number;
  signal?: AbortSignal;
  step: (message: string) => void;
}

/** A homeserver on SQLite to port, and the empty PostgreSQL database to port it into. */
export interface PortRequest {
  docker: Dockerode;
  containerId: string;
  /** The SQLite file inside the container (the profile's `sqliteLocation`). */
  sqliteFile: string;
  database: PostgresDatabase;
  step: (message: string) => void;
}

/** The same deployment served from the ported database. */
export interface PortedHomeserver {
  baseUrl: string;
}
