// The server's fastify augmentation (app.deps, requireAuth, request.auth) as the test project sees
// it: tests reach the app through declarations of the src project, which do not import this file.
import '../src/app-deps.js';
