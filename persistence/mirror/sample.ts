// The sample NetSuite mirror shipped with the product, so that a new user has data to try.
import { fileURLToPath } from 'node:url';
export const SAMPLE_MIRROR_DIR = fileURLToPath(new URL('../../sql/sample-mirror/', import.meta.url));
