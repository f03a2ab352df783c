/**
 * One rule for badge codes, wherever a badge is registered: `returns-station user add --badge` (web sign-in) and the
 * workflow's operators (operator-screen sign-in). The demo's own badges (`B-100`) are 5 characters; a code shorter
 * than 4 is too easily guessed, since a badge alone signs a person in (the sign-in throttle limits guesses).
 */
export const BADGE_MIN_LENGTH = 4;
export const BADGE_MAX_LENGTH = 128;

export function badgeProblem(badge: string): string | undefined {
  const b = badge.trim();
  if (b.length < BADGE_MIN_LENGTH) return `a badge code has at least ${BADGE_MIN_LENGTH} characters`;
  if (b.length > BADGE_MAX_LENGTH) return `a badge code has at most ${BADGE_MAX_LENGTH} characters`;
  return undefined;
}
