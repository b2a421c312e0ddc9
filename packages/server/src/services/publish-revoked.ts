import type { EventBus } from '../events/event-bus.js';
import type { RevokedSession } from '../repositories/sessions.js';

/**
 * Tells everything that speaks for a session (event streams, here and on other instances) that it
 * was revoked. Call it with what the revoking write RETURNED, after it committed.
 */
export function publishRevoked(events: EventBus, session: RevokedSession | undefined): void {
  if (session) events.publish('session-revoked', session.id, { userId: session.user_id });
}
