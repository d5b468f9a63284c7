/**
 * The simulator's in-memory store, exposed read-mostly to tests: roster, registrations, resource
 * links, line items, the gradebook (latest result per line item and user plus the full history
 * of accepted scores), deep-link returns, dynamic registrations and a per-endpoint request log.
 */
import type { SeedCourse, SeedUser } from './seed.js';
import type { LaunchMessageType } from './vocabulary.js';

export type PrivacyLevel = 'public' | 'name_only' | 'email_only' | 'anonymous';

/** Endpoint names used by the request log and by fault injection. */
export type EndpointName =
  | 'launch'
  | 'auth'
  | 'jwks'
  | 'token'
  | 'lineItems'
  | 'lineItem'
  | 'scores'
  | 'results'
  | 'memberships'
  | 'deepLinkReturn'
  | 'openidConfiguration'
  | 'registration';

export interface ToolMessage {
  readonly type: LaunchMessageType;
  readonly targetLinkUri?: string;
  readonly label?: string;
}

export interface ToolRegistration {
  readonly clientId: string;
  readonly deploymentIds: string[];
  /** Moodle tool type id (`type_id` in service URLs); equals the deployment id on Moodle. */
  readonly typeId: string;
  readonly name: string;
  readonly loginUrl: string;
  readonly targetLinkUri: string;
  readonly deepLinkUrl: string | undefined;
  readonly redirectUris: string[];
  readonly jwksUrl: string;
  scopes: string[];
  privacy: PrivacyLevel;
  readonly customParameters: Record<string, string>;
  readonly messages: ToolMessage[];
  readonly source: 'manual' | 'dynamic';
  readonly claims: string[];
}

export interface ResourceLinkRecord {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly clientId: string;
  readonly createdBy: 'seed' | 'deep-link';
  /** The launch URL stored with the link (content item `url`), if any. */
  readonly url: string | undefined;
  readonly customParameters: Record<string, string>;
}

export interface LineItemRecord {
  /** Internal numeric id (as in the URL path). */
  readonly id: string;
  /** The line item's `id` URL as served (Moodle: with `?type_id=`). */
  readonly url: string;
  readonly clientId: string;
  label: string;
  scoreMaximum: number;
  resourceLinkId: string | undefined;
  resourceId: string | undefined;
  tag: string | undefined;
  startDateTime: string | undefined;
  endDateTime: string | undefined;
  /** Canvas: the assignment's default line item, which cannot be deleted (401). */
  readonly coupled: boolean;
  readonly createdAt: string;
}

export interface ResultRecord {
  readonly lineItemId: string;
  readonly userId: string;
  readonly scoreGiven: number | null;
  readonly scoreMaximum: number;
  readonly comment: string | undefined;
  readonly activityProgress: string;
  readonly gradingProgress: string;
  /** The score's `timestamp` as received. */
  readonly timestamp: string;
  readonly timestampMs: number;
  /** Simulator clock when accepted. */
  readonly updatedAt: string;
}

export interface ScoreRecord {
  readonly lineItemId: string;
  readonly userId: string;
  /** The score body exactly as the tool sent it. */
  readonly received: Readonly<Record<string, unknown>>;
  /** What was stored (after profile rules: Moodle drops scoreGiven unless FullyGraded…). */
  readonly stored: ResultRecord;
  readonly clientId: string;
  readonly userAgent: string | undefined;
}

export interface DeepLinkReturnRecord {
  readonly at: string;
  readonly ok: boolean;
  /** Failed checks, empty when ok. */
  readonly errors: string[];
  readonly clientId: string | undefined;
  readonly contentItems: Record<string, unknown>[];
  readonly createdResourceLinkIds: string[];
  readonly createdLineItemIds: string[];
  readonly message: string | undefined;
  readonly errorMessage: string | undefined;
}

export interface DynamicRegistrationRecord {
  readonly at: string;
  readonly ok: boolean;
  readonly status: number;
  readonly error: string | undefined;
  /** The tool's registration request body as received. */
  readonly request: Readonly<Record<string, unknown>> | undefined;
  readonly clientId: string | undefined;
}

export interface RequestLogEntry {
  readonly endpoint: EndpointName;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly at: string;
  readonly userAgent: string | undefined;
  readonly faulted: boolean;
}

export interface IssuedIdToken {
  readonly at: string;
  readonly clientId: string;
  readonly userSub: string;
  readonly messageType: LaunchMessageType;
  readonly redirectUri: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly token: string;
}

export interface AuthErrorRecord {
  readonly at: string;
  readonly message: string;
}

export interface AccessTokenRecord {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAtMs: number;
}

export interface LaunchHint {
  readonly clientId: string;
  readonly deploymentId: string;
  readonly userSub: string;
  readonly messageType: LaunchMessageType;
  readonly resourceLinkId: string | undefined;
  readonly targetLinkUri: string;
  readonly expiresAtMs: number;
}

export interface DeepLinkRequestRecord {
  readonly clientId: string;
  readonly deploymentId: string;
  readonly userSub: string;
  readonly issuedAtMs: number;
}

export interface RegistrationToken {
  readonly token: string;
  used: boolean;
  readonly expiresAtMs: number;
}

export class SimulatorState {
  readonly course: SeedCourse;
  readonly users: readonly SeedUser[];
  readonly registrations = new Map<string, ToolRegistration>();
  readonly resourceLinks = new Map<string, ResourceLinkRecord>();
  readonly lineItems = new Map<string, LineItemRecord>();
  /** Latest result per `${lineItemId} ${userId}`. */
  readonly results = new Map<string, ResultRecord>();
  /** Every accepted score, in order. */
  readonly scoreHistory: ScoreRecord[] = [];
  readonly deepLinkReturns: DeepLinkReturnRecord[] = [];
  readonly dynamicRegistrations: DynamicRegistrationRecord[] = [];
  readonly requestLog: RequestLogEntry[] = [];
  readonly issuedIdTokens: IssuedIdToken[] = [];
  readonly authErrors: AuthErrorRecord[] = [];
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly usedAssertionIds = new Map<string, number>();
  readonly launchHints = new Map<string, LaunchHint>();
  readonly registrationTokens = new Map<string, RegistrationToken>();
  /** Deep-linking requests by the `data` value sent, to check the response echoes it. */
  readonly deepLinkRequests = new Map<string, DeepLinkRequestRecord>();
  readonly usedDeepLinkNonces = new Set<string>();
  #nextId = 100;

  constructor(course: SeedCourse, users: readonly SeedUser[]) {
    this.course = course;
    this.users = users;
  }

  nextId(): string {
    this.#nextId += 1;
    return String(this.#nextId);
  }

  userBySub(sub: string): SeedUser | undefined {
    return this.users.find((u) => u.sub === sub);
  }

  userByKey(key: string): SeedUser | undefined {
    return this.users.find((u) => u.key === key);
  }

  get students(): readonly SeedUser[] {
    return this.users.filter((u) => u.role === 'student');
  }

  resultFor(lineItemId: string, userId: string): ResultRecord | undefined {
    return this.results.get(`${lineItemId} ${userId}`);
  }

  scoresFor(lineItemId: string, userId?: string): ScoreRecord[] {
    return this.scoreHistory.filter(
      (s) => s.lineItemId === lineItemId && (userId === undefined || s.userId === userId),
    );
  }

  /** Requests seen per endpoint (optionally only one method or status). */
  countRequests(endpoint: EndpointName, filter: { method?: string; status?: number } = {}): number {
    return this.requestLog.filter(
      (e) =>
        e.endpoint === endpoint &&
        (filter.method === undefined || e.method === filter.method) &&
        (filter.status === undefined || e.status === filter.status),
    ).length;
  }

  requestCounts(): Partial<Record<EndpointName, number>> {
    const counts: Partial<Record<EndpointName, number>> = {};
    for (const e of this.requestLog) counts[e.endpoint] = (counts[e.endpoint] ?? 0) + 1;
    return counts;
  }

  clearRequestLog(): void {
    this.requestLog.length = 0;
  }

  lineItemsForLink(resourceLinkId: string): LineItemRecord[] {
    return [...this.lineItems.values()].filter((li) => li.resourceLinkId === resourceLinkId);
  }
}
