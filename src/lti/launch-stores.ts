/**
 * Ports for the two short-lived records of a launch: the login state (state ↔ nonce binding
 * issued at OIDC login, consumed exactly once at launch) and the tool session that follows a
 * successful launch. Both live in the shared database so any instance can finish a login another
 * instance started, and a token replayed to a second instance finds its state already consumed.
 */
import type { LaunchContext } from './claims.js';

export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly platformId: string;
  /** `lti_deployment_id` from the login request, when the platform sent one. */
  readonly deploymentId: string | undefined;
  readonly targetLinkUri: string;
  /** The platform's Platform Storage frame (`lti_storage_target`), when it offered one. */
  readonly storageTarget: string | undefined;
  /** The browser reported that it stored state and nonce in the platform's storage. */
  readonly storedInPlatform: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface LoginStateStore {
  save(state: LoginState): Promise<void>;
  /** Returns and deletes the state in one step: a second call (a replay) gets undefined. */
  consume(state: string, now: Date): Promise<LoginState | undefined>;
  /** Reads an unexpired state without consuming it. */
  find(state: string, now: Date): Promise<LoginState | undefined>;
  /** Records that the browser stored this login in the platform; false if the state is gone. */
  markStoredInPlatform(state: string, now: Date): Promise<boolean>;
}

/** What the tool remembers about a launch for the pages that follow it. */
export interface LtiSession {
  readonly id: string;
  readonly platformId: string;
  readonly launch: LaunchContext;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /**
   * SHA-256 (hex) of the key held in a cookie of the browser that launched, when that browser
   * keeps Pathwise's cookies inside the LMS frame: the session then works in that browser only,
   * so a link to a page cannot be handed to someone else (session fixation) or replayed.
   */
  readonly browserBinding?: string;
}

export interface LtiSessionStore {
  create(session: LtiSession): Promise<void>;
  /** The session if it exists and has not expired. */
  find(id: string, now: Date): Promise<LtiSession | undefined>;
  /** Removes every session of a user (erasure). */
  deleteForUser(platformId: string, userId: string): Promise<number>;
}
