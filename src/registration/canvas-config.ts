/**
 * The Canvas developer-key JSON configuration (canvas-lms `doc/api/lti_dev_key_config.md`, schema
 * `lib/schemas/lti/tool_configuration.rb`), served at /lti/canvas-config.json for the "Enter URL"
 * method. The administrator still types the Redirect URI (the launch URL) into the key form,
 * turns the key ON and deploys it; each deployment's id is then added with the CLI
 * (`deployment-add`) unless static config lists it.
 */
import { MESSAGE_TYPE } from '../lti/vocabulary.js';
import type { ToolEndpoints, ToolIdentity } from './tool-identity.js';
import { CANVAS_PLACEMENT, CANVAS_PLATFORM, TOOL_SCOPES } from './vocabulary.js';

export type CanvasMessageType = typeof MESSAGE_TYPE.resourceLink | typeof MESSAGE_TYPE.deepLinking;

export interface CanvasPlacement {
  readonly placement: string;
  readonly message_type: CanvasMessageType;
  readonly target_link_uri: string;
  readonly text: string;
  readonly icon_url?: string;
  readonly selection_width?: number;
  readonly selection_height?: number;
  /** course_navigation: hidden until a teacher enables it in the course's navigation settings. */
  readonly default?: 'enabled' | 'disabled';
  /** course_navigation: only teachers and admins see the link. */
  readonly visibility?: 'admins' | 'members' | 'public';
}

export interface CanvasToolConfiguration {
  readonly title: string;
  readonly description: string;
  readonly oidc_initiation_url: string;
  readonly target_link_uri: string;
  readonly public_jwk_url: string;
  readonly scopes: readonly string[];
  readonly extensions: readonly {
    readonly domain: string;
    readonly tool_id: string;
    readonly platform: typeof CANVAS_PLATFORM;
    readonly privacy_level: 'public';
    readonly settings: {
      readonly text: string;
      readonly icon_url?: string;
      readonly selection_width: number;
      readonly selection_height: number;
      readonly placements: readonly CanvasPlacement[];
    };
  }[];
  readonly custom_fields: Readonly<Record<string, string>>;
}

/** Substitutions Pathwise reads at launch: the Canvas course (survives course copies by history). */
export const CANVAS_CUSTOM_FIELDS: Readonly<Record<string, string>> = {
  canvas_course_id: '$Canvas.course.id',
  context_id_history: '$Context.id.history',
};

export function buildCanvasConfig(
  endpoints: ToolEndpoints,
  identity: ToolIdentity,
): CanvasToolConfiguration {
  const icon = identity.logoUrl === undefined ? {} : { icon_url: identity.logoUrl };
  const selection = { selection_width: 800, selection_height: 600 };
  return {
    title: identity.name,
    description: identity.description,
    oidc_initiation_url: endpoints.loginUrl,
    target_link_uri: endpoints.launchUrl,
    public_jwk_url: endpoints.jwksUrl,
    scopes: [...TOOL_SCOPES],
    extensions: [
      {
        domain: endpoints.domain,
        tool_id: identity.toolId,
        platform: CANVAS_PLATFORM,
        // Names and emails for teacher dashboards; Canvas's default would be anonymous.
        privacy_level: 'public',
        settings: {
          text: identity.name,
          ...icon,
          ...selection,
          placements: [
            {
              placement: CANVAS_PLACEMENT.linkSelection,
              message_type: MESSAGE_TYPE.deepLinking,
              target_link_uri: endpoints.deepLinkUrl,
              text: `${identity.name} practice`,
              ...icon,
              ...selection,
            },
            {
              placement: CANVAS_PLACEMENT.assignmentSelection,
              message_type: MESSAGE_TYPE.deepLinking,
              target_link_uri: endpoints.deepLinkUrl,
              text: `${identity.name} practice`,
              ...icon,
              ...selection,
            },
            {
              placement: CANVAS_PLACEMENT.courseNavigation,
              message_type: MESSAGE_TYPE.resourceLink,
              target_link_uri: endpoints.launchUrl,
              text: identity.name,
              ...icon,
              default: 'disabled',
              visibility: 'admins',
            },
          ],
        },
      },
    ],
    custom_fields: { ...CANVAS_CUSTOM_FIELDS },
  };
}
