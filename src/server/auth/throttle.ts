/** The sign-in throttle lives in src/core (the operator screen's badge PINs use it too). */
export { LoginThrottle } from '../../core/throttle.js';
