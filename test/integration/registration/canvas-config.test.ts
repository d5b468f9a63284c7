import { expect } from 'chai';
import request from 'supertest';
import { z } from 'zod';
import { openDatabase, type Database } from '../../../src/infra/db.js';
import type { PlatformRegistry } from '../../../src/lti/platforms.js';
import { silentLogger } from '../../support/app.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { openRegistry, registrationApp } from './helpers.js';

/**
 * Canvas's own JSON schema for developer-key configurations (canvas-lms
 * lib/schemas/lti/tool_configuration.rb), as zod: required keys, the scope, placement,
 * message_type and privacy_level enums. Extra keys are allowed there, as here.
 */
const CANVAS_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://canvas.instructure.com/lti/public_jwk/scope/update',
] as const;
const CANVAS_PLACEMENTS = [
  'account_navigation',
  'assignment_edit',
  'assignment_menu',
  'assignment_selection',
  'assignment_view',
  'course_assignments_menu',
  'course_home_sub_navigation',
  'course_navigation',
  'course_settings_sub_navigation',
  'editor_button',
  'global_navigation',
  'homework_submission',
  'link_selection',
  'migration_selection',
  'module_menu',
  'resource_selection',
  'submission_type_selection',
  'user_navigation',
] as const;
const canvasToolConfiguration = z.looseObject({
  title: z.string(),
  description: z.string(),
  target_link_uri: z.string(),
  oidc_initiation_url: z.string(),
  public_jwk_url: z.string().optional(),
  scopes: z.array(z.enum(CANVAS_SCOPES)).optional(),
  extensions: z
    .array(
      z.looseObject({
        domain: z.string().optional(),
        tool_id: z.string().optional(),
        platform: z.string(),
        privacy_level: z.enum(['public', 'email_only', 'name_only', 'anonymous']).optional(),
        settings: z.looseObject({
          text: z.string().optional(),
          icon_url: z.string().optional(),
          placements: z.array(
            z.looseObject({
              placement: z.enum(CANVAS_PLACEMENTS),
              target_link_uri: z.string().optional(),
              text: z.string().optional(),
              icon_url: z.string().optional(),
              message_type: z.enum(['LtiDeepLinkingRequest', 'LtiResourceLinkRequest']).optional(),
              selection_width: z.number().optional(),
              selection_height: z.number().optional(),
            }),
          ),
        }),
      }),
    )
    .optional(),
  custom_fields: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

describe('GET /lti/canvas-config.json (Canvas developer key, "Enter URL")', function () {
  let testDatabase: TestDatabase;
  let database: Database;
  let registry: PlatformRegistry;
  before(async function () {
    testDatabase = await openTestDatabase();
    database = await openDatabase(testDatabase.uri, silentLogger);
    registry = await openRegistry(database);
  });
  after(async function () {
    await database.close();
    await testDatabase.close();
  });

  it('validates against the structure Canvas expects and points at Pathwise', async function () {
    const { app } = registrationApp(registry, { devMode: false });
    const res = await request(app).get('/lti/canvas-config.json').expect(200);
    expect(res.headers['content-type']).to.match(/application\/json/);
    const parsed = canvasToolConfiguration.safeParse(res.body);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).to.equal(true);

    expect(res.body).to.deep.include({
      title: 'Pathwise',
      oidc_initiation_url: 'https://pathwise.example.edu/lti/login',
      target_link_uri: 'https://pathwise.example.edu/lti/launch',
      public_jwk_url: 'https://pathwise.example.edu/lti/keys',
    });
    expect(res.body.description).to.be.a('string').and.not.equal('');
    expect(res.body.scopes).to.have.members([
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
    ]);
    expect(res.body).not.to.have.property('public_jwk');
    expect(res.body.custom_fields).to.deep.equal({
      canvas_course_id: '$Canvas.course.id',
      context_id_history: '$Context.id.history',
    });

    const [extension] = res.body.extensions as Record<string, unknown>[];
    expect(res.body.extensions).to.have.length(1);
    expect(extension).to.deep.include({
      platform: 'canvas.instructure.com',
      privacy_level: 'public',
      domain: 'pathwise.example.edu',
      tool_id: 'pathwise',
    });
    const placements = (extension!['settings'] as { placements: Record<string, unknown>[] })
      .placements;
    expect(
      placements.map((p) => [p['placement'], p['message_type'], p['target_link_uri']]),
    ).to.deep.equal([
      ['link_selection', 'LtiDeepLinkingRequest', 'https://pathwise.example.edu/lti/launch'],
      ['assignment_selection', 'LtiDeepLinkingRequest', 'https://pathwise.example.edu/lti/launch'],
      ['course_navigation', 'LtiResourceLinkRequest', 'https://pathwise.example.edu/lti/launch'],
    ]);
    expect(placements[2]).to.deep.include({ default: 'disabled', visibility: 'admins' });
  });

  it('the Canvas schema mirror itself rejects what Canvas rejects', function () {
    const base = {
      title: 't',
      description: 'd',
      target_link_uri: 'https://x/launch',
      oidc_initiation_url: 'https://x/login',
    };
    expect(canvasToolConfiguration.safeParse(base).success).to.equal(true);
    const { description: _d, ...noDescription } = base;
    expect(canvasToolConfiguration.safeParse(noDescription).success).to.equal(false);
    expect(
      canvasToolConfiguration.safeParse({ ...base, scopes: ['https://example/not-a-scope'] })
        .success,
    ).to.equal(false);
    const withPlacement = (placement: Record<string, unknown>) => ({
      ...base,
      extensions: [{ platform: 'canvas.instructure.com', settings: { placements: [placement] } }],
    });
    expect(
      canvasToolConfiguration.safeParse(withPlacement({ placement: 'assignment_selection' }))
        .success,
    ).to.equal(true);
    expect(
      canvasToolConfiguration.safeParse(withPlacement({ placement: 'assignment_selector' }))
        .success,
    ).to.equal(false);
    expect(
      canvasToolConfiguration.safeParse(
        withPlacement({ placement: 'link_selection', message_type: 'LtiLaunch' }),
      ).success,
    ).to.equal(false);
  });
});
