// A local, standards-compliant OpenID Connect provider standing in for ProConnect in the tests.
//
//   node tests/oidc/fournisseur.mjs <configuration.json>
//
// The JSON gives: port, client_id, client_secret, redirect_uri (the app's /oauth2callback) and
// comptes, a map of e-mail -> claims (given_name, usual_name, siret, organization_label, ...);
// optional falsifier, a map of e-mail -> another e-mail written into that person's userinfo JWT
// without signing it again (the app must refuse it).
// Built on the certified `oidc-provider` package (devDependency, installed by `make`). Like
// ProConnect: discovery document, authorization code flow (state, nonce, PKCE when the client
// sends it), ID token signed RS256 with only the authentication claims, the user's claims
// answered by the userinfo endpoint as a JWT signed RS256 (`application/jwt`), access tokens of
// 60 seconds, RP-initiated logout (end_session_endpoint). The interaction page asks for an
// e-mail address (ProConnect asks for it first, then sends the person to their identity
// provider); an unknown address is refused there.
//
// Once listening, it prints one JSON line on stdout: {"issuer": ..., "pret": true}. Every
// userinfo and end_session call is printed too ({"evenement": ...}) so that tests can check them.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { URL } from "node:url";

import Provider from "oidc-provider";

const configuration = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { port, client_id, client_secret, redirect_uri, comptes } = configuration;
// Mounted under /api/v2 with ProConnect's endpoint names: the discovery document is at
// <issuer>/.well-known/openid-configuration, as https://PROCONNECT_DOMAIN/api/v2/... is.
const MONTAGE = "/api/v2";
const issuer = `http://127.0.0.1:${port}${MONTAGE}`;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const cle = { ...privateKey.export({ format: "jwk" }), kid: "cle-essai-rs256", alg: "RS256", use: "sig" };

const SCOPES = ["openid", "email", "given_name", "usual_name", "siret", "organization_label", "uid", "idp_id"];
const ACR = "eidas1";
const IDP_ID = "fia1-essai";

function signaler(objet) {
  process.stdout.write(`${JSON.stringify(objet)}\n`);
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id,
      client_secret,
      redirect_uris: [redirect_uri],
      post_logout_redirect_uris: [redirect_uri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "RS256",
      userinfo_signed_response_alg: "RS256",
    },
  ],
  jwks: { keys: [cle] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  scopes: SCOPES,
  // One scope per claim, as ProConnect does (scope « siret » -> claim « siret »).
  claims: Object.fromEntries(SCOPES.map((scope) => [scope, scope === "openid" ? ["sub"] : [scope]])),
  acrValues: [ACR, "eidas2", "eidas3"],
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    jwtUserinfo: { enabled: true },
    claimsParameter: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The confirmation form is submitted at once, as ProConnect signs out without asking.
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html lang="fr"><head><title>Déconnexion</title></head>
<body>${form}<p>Déconnexion de ProConnect (essai)…</p>
<script>var f = document.forms[0]; var i = document.createElement("input");
i.type = "hidden"; i.name = "logout"; i.value = "yes"; f.appendChild(i); f.submit();</script></body></html>`;
      },
    },
  },
  // Claims of a scope go to the userinfo answer only, not into the ID token (as ProConnect).
  conformIdTokenClaims: true,
  ttl: { AccessToken: 60, AuthorizationCode: 30, IdToken: 60, Interaction: 600, Session: 12 * 3600, Grant: 12 * 3600 },
  pkce: { required: () => false },
  routes: {
    authorization: "/authorize",
    token: "/token",
    userinfo: "/userinfo",
    end_session: "/session/end",
    jwks: "/jwks",
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, sub) => {
    const courriel = Object.keys(comptes).find((c) => sujet(c) === sub);
    if (!courriel) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        email: courriel,
        uid: sub,
        idp_id: IDP_ID,
        ...comptes[courriel],
      }),
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
  },
});

// ProConnect's `sub` is a stable pseudonymous identifier, not the e-mail address.
function sujet(courriel) {
  return `sub-${Buffer.from(courriel).toString("hex").slice(0, 24)}`;
}

provider.on("server_error", (ctx, erreur) => signaler({ evenement: "erreur", message: String(erreur) }));
provider.on("end_session.success", () => signaler({ evenement: "end_session" }));
provider.on("grant.success", () => signaler({ evenement: "jetons" }));
// Parameters ProConnect's authorization endpoint accepts (any other one is an error there);
// PKCE's two are accepted here as oidc-provider announces S256.
const PARAMETRES_PROCONNECT = new Set([
  "response_type", "client_id", "redirect_uri", "scope", "claims", "state", "nonce", "prompt",
  "idp_hint", "login_hint", "acr_values", "code_challenge", "code_challenge_method",
]);
provider.use(async (ctx, suite) => {
  if (ctx.path === "/token") signaler({ evenement: "requete_jetons" });
  if (ctx.path === "/authorize" && ctx.method === "GET") {
    const q = ctx.query;
    signaler({
      evenement: "autorisation",
      state: (q.state || "").length,
      nonce: (q.nonce || "").length,
      code_challenge_method: q.code_challenge_method || null,
      prompt: q.prompt || null,
      scope: q.scope,
    });
    const inconnus = Object.keys(q).filter((nom) => !PARAMETRES_PROCONNECT.has(nom));
    if ((q.state || "").length < 32 || (q.nonce || "").length < 32 || inconnus.length) {
      ctx.status = 400;
      ctx.type = "text/plain; charset=utf-8";
      ctx.body = `Requête refusée comme ProConnect la refuserait : state et nonce de 32 caractères au moins, paramètres inconnus : ${inconnus.join(", ") || "aucun"}.`;
      return;
    }
  }
  await suite();
  if (ctx.path === "/userinfo" && ctx.status === 200) {
    signaler({ evenement: "userinfo", type: ctx.type });
    falsifier(ctx);
  }
});

// An attacker on the way: for the addresses of configuration.falsifier, the userinfo JWT's
// payload is rewritten to claim another address, the signature left as it was.
function falsifier(ctx) {
  const cibles = configuration.falsifier || {};
  const [entete, charge, signature] = String(ctx.body).split(".");
  const revendications = JSON.parse(Buffer.from(charge, "base64url").toString("utf8"));
  if (!cibles[revendications.email]) return;
  revendications.email = cibles[revendications.email];
  const autre = Buffer.from(JSON.stringify(revendications)).toString("base64url");
  ctx.body = [entete, autre, signature].join(".");
  signaler({ evenement: "falsification", email: revendications.email });
}

function page(titre, corps) {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${titre}</title></head>
<body><main><h1>${titre}</h1>${corps}</main></body></html>`;
}

function echapper(texte) {
  return String(texte).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function lireFormulaire(req) {
  const morceaux = [];
  for await (const morceau of req) morceaux.push(morceau);
  return new URLSearchParams(Buffer.concat(morceaux).toString("utf8"));
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === "login") {
    if (req.method === "POST") {
      const courriel = ((await lireFormulaire(req)).get("email") || "").trim();
      if (!comptes[courriel]) {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(page("Connexion ProConnect (essai)", `<p role="alert">Adresse inconnue : ${echapper(courriel)}</p>`));
        return;
      }
      await provider.interactionFinished(req, res, {
        login: { accountId: sujet(courriel), acr: ACR, amr: ["pwd"] },
      }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(
      page(
        "Connexion ProConnect (essai)",
        `<p>Service : ${echapper(params.client_id)}</p>
<form method="post" action="/interaction/${uid}">
<label for="email">Adresse électronique professionnelle</label>
<input id="email" name="email" type="email" autocomplete="off" required>
<button type="submit">Continuer</button></form>`,
      ),
    );
    return;
  }
  // Consent: ProConnect asks none for a registered service; every requested scope is granted.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const rappel = provider.callback();
const serveur = http.createServer(async (req, res) => {
  const chemin = new URL(req.url, issuer).pathname;
  if (chemin.startsWith("/interaction/")) {
    try {
      await interaction(req, res);
    } catch (erreur) {
      signaler({ evenement: "erreur", message: String(erreur) });
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`Interaction refusée : ${erreur}`);
    }
    return;
  }
  if (chemin === MONTAGE || chemin.startsWith(`${MONTAGE}/`)) {
    req.originalUrl = req.url;
    req.url = req.url.slice(MONTAGE.length) || "/";
    rappel(req, res);
    return;
  }
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
  res.end("Introuvable");
});
serveur.listen(port, "127.0.0.1", () => signaler({ issuer, pret: true }));
