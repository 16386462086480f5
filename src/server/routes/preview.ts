import { join } from "node:path";
import { z } from "zod";
import { getEnvironment, getService, revisionIdFor } from "../../core/config/index.js";
import { SlipwayError } from "../../core/errors.js";
import { REVISION_HEADER } from "../../traffic/preview-token.js";
import { PREVIEW_KEY_FILE, PreviewKeys } from "../../rollouts/preview-keys.js";
import { defineRoute, type ApiRoute } from "../api-route.js";
import type { AppContext } from "../app-context.js";

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'");
const previewBody = z.strictObject({ service: name, environment: name, version: name });

/** The same file the traffic router derives the proxy's keys from (serve.ts). */
const previewKeysOf = (app: AppContext): PreviewKeys =>
  app.singleton("preview-keys", () => new PreviewKeys(join(app.dataDir, PREVIEW_KEY_FILE)));

/**
 * `POST /api/previews`: the header value that reaches one version of a service in an environment
 * through the proxy, even at weight 0. Deployers of the environment may ask (it shows them a
 * version the public does not see yet); each grant is audited.
 */
export const previewRoutes: ApiRoute[] = [
  defineRoute({
    method: "POST",
    path: "/api/previews",
    tag: "rollouts",
    summary: "The signed x-slipway-revision header value that previews one version through the proxy",
    description:
      "Requests carrying `x-slipway-revision: <value>` reach that revision even at weight 0, and are kept out " +
      "of its analysis numbers. 409 when the environment has `preview: false`. The value stays valid until " +
      "the control plane's preview key (`<data>/preview-key`) is deleted.",
    body: previewBody,
    environment: ({ body }) => body.environment,
    handler: ({ app, body }) => {
      const config = app.config();
      getService(config, body.service);
      const environment = getEnvironment(config, body.environment);
      if (!environment.preview) {
        throw new SlipwayError(
          "SLIPWAY_CONFLICT",
          `preview is off for environment ${body.environment} (environments.${body.environment}.preview: false)`,
        );
      }
      const revision = revisionIdFor(body.service, body.environment, body.version);
      return {
        status: 200,
        body: {
          revision,
          header: REVISION_HEADER,
          value: previewKeysOf(app).tokenFor(body.environment, revision),
        },
      };
    },
  }),
];
