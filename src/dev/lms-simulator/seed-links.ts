/** The course's activities for a newly added tool (manual or dynamic registration). */
import { createLineItem } from './ags.js';
import type { PlatformContext } from './context.js';
import { uuidFrom } from './seed.js';
import type { ToolRegistration } from './state.js';

/** Seeded resource links of a newly registered tool: one graded, one ungraded. */
export function seedLinks(ctx: PlatformContext, registration: ToolRegistration): void {
  const canvas = ctx.profile.name === 'canvas';
  const n = ctx.state.resourceLinks.size;
  const graded = {
    id: canvas ? uuidFrom(`link-graded-${registration.clientId}`) : String(45 + n),
    title: 'Fractions practice',
    description: 'Adaptive practice on fractions',
  };
  const ungraded = {
    id: canvas ? uuidFrom(`link-ungraded-${registration.clientId}`) : String(46 + n),
    title: 'Warm-up (ungraded)',
    description: '',
  };
  for (const link of [graded, ungraded]) {
    ctx.state.resourceLinks.set(link.id, {
      ...link,
      clientId: registration.clientId,
      createdBy: 'seed',
      url: undefined,
      customParameters: { assignment: link === graded ? 'asg-fractions-1' : 'warm-up' },
    });
  }
  createLineItem(ctx, {
    clientId: registration.clientId,
    typeId: registration.typeId,
    label: graded.title,
    scoreMaximum: 10,
    resourceLinkId: graded.id,
    resourceId: 'asg-fractions-1',
    coupled: canvas,
  });
}
