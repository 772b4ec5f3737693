export { toJUnit, type JUnitOptions } from './junit.js';
