export { InputError, EnvironmentError, formatProblem, type InputProblem } from './errors.js';
