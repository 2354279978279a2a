// Types of the vendored postgres.js: those of the npm package of the same version (3.4.9).
import postgres from 'postgres';
export default postgres;
