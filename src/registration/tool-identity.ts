/**
 * What Pathwise tells a platform about itself: its URLs (all built from PUBLIC_URL) and how it
 * is presented to administrators.
 */

export interface ToolEndpoints {
  /** OIDC login initiation. */
  readonly loginUrl: string;
  /** Launch (redirect URI and target_link_uri of resource links). */
  readonly launchUrl: string;
  /** target_link_uri of Deep Linking requests (the launch route dispatches by message type). */
  readonly deepLinkUrl: string;
  /** The tool's public key set. */
  readonly jwksUrl: string;
  /** Where an LMS starts Dynamic Registration. */
  readonly registrationUrl: string;
  /** Canvas "Enter URL" developer-key configuration. */
  readonly canvasConfigUrl: string;
  /** Host (and port) of PUBLIC_URL. */
  readonly domain: string;
}

export interface ToolIdentity {
  readonly name: string;
  readonly description: string;
  /** Canvas `tool_id`: the same for every deployment of Pathwise. */
  readonly toolId: string;
  /** Logo shown by the LMS; undefined to send none. */
  readonly logoUrl: string | undefined;
}

/** The path the registration router is mounted at; LTI routes share the `/lti` prefix. */
export const LTI_PATH = '/lti';

export function toolEndpoints(publicUrl: string): ToolEndpoints {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    loginUrl: `${base}${LTI_PATH}/login`,
    launchUrl: `${base}${LTI_PATH}/launch`,
    deepLinkUrl: `${base}${LTI_PATH}/launch`,
    jwksUrl: `${base}${LTI_PATH}/keys`,
    registrationUrl: `${base}${LTI_PATH}/register`,
    canvasConfigUrl: `${base}${LTI_PATH}/canvas-config.json`,
    domain: new URL(base).host,
  };
}

export function defaultToolIdentity(publicUrl: string): ToolIdentity {
  return {
    name: 'Pathwise',
    description:
      'Adaptive practice: picks the next practice item for each student, shows their progress and sends scores to the gradebook.',
    toolId: 'pathwise',
    logoUrl: `${publicUrl.replace(/\/+$/, '')}/public/img/pathwise-logo.svg`,
  };
}
