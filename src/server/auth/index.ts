export { installAccessControl, originMatches, principalOf, requireRole, CSRF_HEADER, type AccessControl, type Principal, type RequestAccess } from './guard.js';
export { checkBindPolicy, isLoopbackAddress, isLoopbackBindHost, isLoopbackHostHeader, isTrustedProxy, type BindSettings } from './net.js';
export { badgeProblem, hashSecret, pinProblem, verifySecret, type ScryptCost } from './secrets.js';
export { roleAtLeast, SessionStore, type Role, type Session, type SessionUser } from './sessions.js';
export { accessSettingsFrom, accessSettingsFromConfig, createFastify, DEFAULT_AUTH, type AccessSettings } from './settings.js';
export { LoginThrottle } from './throttle.js';
export { UserDirectory, type AuthOutcome, type Credentials } from './users.js';
