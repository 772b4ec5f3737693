export { InputError, EnvironmentError, formatProblem, type InputProblem, type Locator } from './errors.js';
