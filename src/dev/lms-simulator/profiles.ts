/**
 * The two strictness profiles (LTI-NOTES §2.1 Canvas, §2.2 Moodle): where each endpoint lives and
 * the behaviour switches the handlers read. Paths copy the real platforms so URLs in logs look
 * familiar; every URL is absolute under the platform's base URL.
 */
export type ProfileName = 'canvas' | 'moodle';

export const CANVAS_ISSUER = 'https://canvas.instructure.com';

/** Express route patterns, relative to the platform's mount point. */
export interface RoutePatterns {
  readonly auth: string;
  readonly jwks: string;
  readonly token: string;
  readonly lineItems: string;
  readonly lineItem: string;
  readonly scores: string;
  readonly results: string;
  readonly memberships: string;
  readonly deepLinkReturn: string;
  readonly openidConfiguration: string;
  readonly registration: string;
}

export interface ProfileSpec {
  readonly name: ProfileName;
  readonly routes: RoutePatterns;
  /** NRPS page size: Canvas caps at 50 (default and maximum); Moodle has none unless `limit`. */
  readonly membershipPageCap: number | undefined;
  /** The quote characters around `rel` in Link headers (Moodle: typographic). */
  readonly linkRelQuotes: readonly [string, string];
  /** id_token lifetime in seconds (Canvas 1 h, Moodle 60 s). */
  readonly idTokenLifetimeSeconds: number;
  /** Whether service calls without a User-Agent are refused (Canvas, from Jan 2026). */
  readonly requireUserAgent: boolean;
  /** Whether the openid-configuration GET needs the registration token (Canvas yes, Moodle no). */
  readonly openidConfigurationNeedsToken: boolean;
  readonly productFamilyCode: string;
  /**
   * 1EdTech Platform Storage: the frame named in `lti_storage_target` (login and launch), which
   * answers lti.capabilities / lti.put_data / lti.get_data. Canvas (web) sends
   * `post_message_forwarding`; Moodle (4.x `lti_build_login_request`) sends no
   * `lti_storage_target` and has no such frame.
   */
  readonly storageTarget: string | undefined;
}

/** The frame name Canvas uses for Platform Storage (a sibling of the tool's iframe). */
export const STORAGE_FRAME_NAME = 'post_message_forwarding';

export const PROFILES: Readonly<Record<ProfileName, ProfileSpec>> = {
  canvas: {
    name: 'canvas',
    routes: {
      auth: '/api/lti/authorize_redirect',
      jwks: '/api/lti/security/jwks',
      token: '/login/oauth2/token',
      lineItems: '/api/lti/courses/:courseId/line_items',
      lineItem: '/api/lti/courses/:courseId/line_items/:lineItemId',
      scores: '/api/lti/courses/:courseId/line_items/:lineItemId/scores',
      results: '/api/lti/courses/:courseId/line_items/:lineItemId/results',
      memberships: '/api/lti/courses/:courseId/names_and_roles',
      deepLinkReturn: '/courses/:courseId/deep_linking_response',
      openidConfiguration: '/api/lti/security/openid-configuration',
      registration: '/api/lti/registrations',
    },
    membershipPageCap: 50,
    linkRelQuotes: ['"', '"'],
    idTokenLifetimeSeconds: 3600,
    requireUserAgent: true,
    openidConfigurationNeedsToken: true,
    productFamilyCode: 'canvas',
    storageTarget: STORAGE_FRAME_NAME,
  },
  moodle: {
    name: 'moodle',
    routes: {
      auth: '/mod/lti/auth.php',
      jwks: '/mod/lti/certs.php',
      token: '/mod/lti/token.php',
      lineItems: '/mod/lti/services.php/:courseId/lineitems',
      lineItem: '/mod/lti/services.php/:courseId/lineitems/:lineItemId/lineitem',
      scores: '/mod/lti/services.php/:courseId/lineitems/:lineItemId/lineitem/scores',
      results: '/mod/lti/services.php/:courseId/lineitems/:lineItemId/lineitem/results',
      memberships: '/mod/lti/services.php/CourseSection/:courseId/bindings/:typeId/memberships',
      deepLinkReturn: '/mod/lti/contentitem_return.php',
      openidConfiguration: '/mod/lti/openid-configuration.php',
      registration: '/mod/lti/openid-registration.php',
    },
    membershipPageCap: undefined,
    linkRelQuotes: ['“', '”'],
    idTokenLifetimeSeconds: 60,
    requireUserAgent: false,
    openidConfigurationNeedsToken: false,
    productFamilyCode: 'moodle',
    storageTarget: undefined,
  },
};

/** Absolute URL builders for one platform (base URL without trailing slash). */
export class PlatformUrls {
  readonly #base: string;
  readonly #profile: ProfileSpec;

  constructor(base: string, profile: ProfileSpec) {
    this.#base = base.replace(/\/+$/, '');
    this.#profile = profile;
  }

  get base(): string {
    return this.#base;
  }

  #fill(pattern: string, params: Readonly<Record<string, string>> = {}): string {
    return (
      this.#base +
      pattern.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''))
    );
  }

  #typeQuery(typeId: string | undefined): string {
    return this.#profile.name === 'moodle' && typeId !== undefined
      ? `?type_id=${encodeURIComponent(typeId)}`
      : '';
  }

  get auth(): string {
    return this.#fill(this.#profile.routes.auth);
  }
  get jwks(): string {
    return this.#fill(this.#profile.routes.jwks);
  }
  get token(): string {
    return this.#fill(this.#profile.routes.token);
  }
  get openidConfiguration(): string {
    return this.#fill(this.#profile.routes.openidConfiguration);
  }
  get registration(): string {
    return this.#fill(this.#profile.routes.registration);
  }
  /** The simulator's own launch starter (not a real platform endpoint). */
  get launch(): string {
    return `${this.#base}/launch`;
  }
  get startRegistration(): string {
    return `${this.#base}/register-tool`;
  }
  /** The Platform Storage frame page (served at the auth endpoint's origin, like Canvas's). */
  get storageFrame(): string {
    return `${this.#base}/${STORAGE_FRAME_NAME}`;
  }
  lineItems(courseId: string, typeId?: string): string {
    return this.#fill(this.#profile.routes.lineItems, { courseId }) + this.#typeQuery(typeId);
  }
  lineItem(courseId: string, lineItemId: string, typeId?: string): string {
    return (
      this.#fill(this.#profile.routes.lineItem, { courseId, lineItemId }) + this.#typeQuery(typeId)
    );
  }
  scores(courseId: string, lineItemId: string, typeId?: string): string {
    return (
      this.#fill(this.#profile.routes.scores, { courseId, lineItemId }) + this.#typeQuery(typeId)
    );
  }
  results(courseId: string, lineItemId: string, typeId?: string): string {
    return (
      this.#fill(this.#profile.routes.results, { courseId, lineItemId }) + this.#typeQuery(typeId)
    );
  }
  memberships(courseId: string, typeId: string): string {
    return this.#fill(this.#profile.routes.memberships, { courseId, typeId });
  }
  deepLinkReturn(courseId: string, typeId: string): string {
    return this.#profile.name === 'moodle'
      ? `${this.#fill(this.#profile.routes.deepLinkReturn)}?course=${encodeURIComponent(courseId)}&id=${encodeURIComponent(typeId)}`
      : this.#fill(this.#profile.routes.deepLinkReturn, { courseId });
  }
}
