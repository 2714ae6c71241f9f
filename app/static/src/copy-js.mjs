// Copies GOV.UK Frontend's ES module and our own small entry point into app/static/dist.
import { copyFileSync, mkdirSync } from "node:fs";

const dist = "app/static/dist";
mkdirSync(dist, { recursive: true });
copyFileSync("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", `${dist}/govuk-frontend.min.js`);
copyFileSync("app/static/src/app.mjs", `${dist}/app.mjs`);
