/**
 * Bearer tokens of the sandbox: JWT-shaped (header.payload.signature), HS256-signed with a key
 * that lives only in this process, carrying the claims ARM checks (aud, tid, iss, exp).
 */
import * as crypto from 'node:crypto';

export interface TokenClaims {
    aud: string;
    iss: string;
    tid: string;
    oid: string;
    /** A user's sign-in name; absent from a managed identity's token, which has `appid` instead. */
    upn?: string;
    appid?: string;
    iat: number;
    nbf: number;
    exp: number;
}

export type TokenCheck =
    | { ok: true; claims: TokenClaims }
    | { ok: false; code: 'AuthenticationFailed' | 'InvalidAuthenticationToken' | 'ExpiredAuthenticationToken' | 'InvalidAuthenticationTokenAudience'; message: string };

/** The object id of the one signed-in principal of the sandbox. */
export const SANDBOX_USER_OID = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
/** Audience of the managed-disk data plane (Entra-protected export/upload). */
export const DISK_AUDIENCE = 'https://disk.azure.com/';
/** The sandbox's managed identity (App Service style): its object id and client (application) id. */
export const SANDBOX_MANAGED_IDENTITY = { oid: '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d', appid: '3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f' };

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class TokenIssuer {
    private readonly key = crypto.randomBytes(32);
    private readonly issued: string[] = [];
    /** Requests that presented each token (signed here), by fingerprint: tests see which token is still in use. */
    private readonly uses = new Map<string, number>();

    constructor(
        /** The management resource (scope without /.default): every token's audience. */
        readonly audience: string,
        /** Base of the issuer / authorization_uri: `${authority}/${tenantId}` (set once the server listens). */
        public authority: string,
        public lifetimeSeconds: number,
    ) {}

    issue(tenantId: string, lifetimeSeconds = this.lifetimeSeconds, audience = this.audience, principal: 'user' | 'managedIdentity' = 'user'): { token: string; expiresOn: number } {
        const now = Math.floor(Date.now() / 1000);
        const who = principal === 'user' ? { oid: SANDBOX_USER_OID, upn: 'sandbox.user@contoso-sandbox.example' } : { ...SANDBOX_MANAGED_IDENTITY };
        const claims: TokenClaims = {
            aud: audience,
            iss: `${this.authority}/${tenantId}/`,
            tid: tenantId,
            ...who,
            iat: now,
            nbf: now - 60,
            exp: now + lifetimeSeconds,
        };
        const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'sandbox' }));
        const body = b64url(JSON.stringify(claims));
        const sig = crypto.createHmac('sha256', this.key).update(`${head}.${body}`).digest('base64url');
        const token = `${head}.${body}.${sig}`;
        this.issued.push(token);
        return { token, expiresOn: claims.exp };
    }

    /** Checks a bearer token: signed here, unexpired, for `audience` (default the management resource). */
    verify(authorization: string | undefined, audience = this.audience): TokenCheck {
        if (!authorization) return { ok: false, code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." };
        const m = /^Bearer\s+(\S+)$/i.exec(authorization);
        if (!m) return { ok: false, code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is provided in an invalid format." };
        const parts = m[1].split('.');
        if (parts.length !== 3) return { ok: false, code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' };
        const expected = crypto.createHmac('sha256', this.key).update(`${parts[0]}.${parts[1]}`).digest();
        const given = Buffer.from(parts[2], 'base64url');
        if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
            return { ok: false, code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' };
        }
        const fp = tokenFingerprint(m[1]);
        this.uses.set(fp, (this.uses.get(fp) ?? 0) + 1);
        let claims: TokenClaims;
        try {
            claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
        } catch {
            return { ok: false, code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' };
        }
        const now = Math.floor(Date.now() / 1000);
        if (typeof claims.exp !== 'number' || claims.exp <= now) {
            return { ok: false, code: 'ExpiredAuthenticationToken', message: "The access token expiry UTC time is earlier than current UTC time." };
        }
        if (claims.aud.replace(/\/+$/, '') !== audience.replace(/\/+$/, '')) {
            return { ok: false, code: 'InvalidAuthenticationTokenAudience', message: `The access token has been obtained for wrong audience or resource '${claims.aud}'. It should exactly match with one of the allowed audiences '${audience}'.` };
        }
        return { ok: true, claims };
    }

    /** Requests per token fingerprint (see tokenFingerprint), expired tokens included. */
    tokenUses(): Record<string, number> {
        return Object.fromEntries(this.uses);
    }

    issuedTokens(): string[] {
        return [...this.issued];
    }
}

/** A token's name in logs and counts: the first 16 hex digits of its SHA-256, never the token. */
export function tokenFingerprint(token: string): string {
    return crypto.createHash('sha256').update(token).digest('hex').slice(0, 16);
}
