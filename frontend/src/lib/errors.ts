/**
 * Error answers of the API ({code, detail, fields, …extras}) and their translated sentences.
 * ERROR_CODES lists every code of the schema's ErrorCode enum: tsc fails when the backend adds
 * a code this file (and so the catalogs, checked by scripts/check-i18n.mjs) does not know.
 */
import type { TFunction } from 'i18next';
import type { components } from '../api/schema';

export type ErrorCode = components['schemas']['ErrorCode'];
export type ErrorBody = components['schemas']['Error'];

export const ERROR_CODES = {
  ACCESS_CODE_INVALID: true,
  ACCOUNT_EXISTS: true,
  AI_DISABLED: true,
  AI_INVALID_OUTPUT: true,
  AI_NOT_CONFIGURED: true,
  AI_RATE_LIMITED: true,
  AI_REFUSED: true,
  AI_TIMEOUT: true,
  AI_UNGROUNDED: true,
  AI_UPSTREAM_ERROR: true,
  ALREADY_MEMBER: true,
  ALREADY_REVERSED: true,
  ALREADY_SUBSCRIBED: true,
  AREA_NAME_TAKEN: true,
  AUTHENTICATION_FAILED: true,
  BARCODE_REQUIRED: true,
  BARCODE_TAKEN: true,
  BILLING_NOT_CONFIGURED: true,
  CATEGORY_NAME_TAKEN: true,
  CONFLICT: true,
  COUNT_CLOSED: true,
  COUNT_EMPTY: true,
  COUNT_NOT_EMPTY: true,
  COUNT_REQUIRED: true,
  CREDIT_LIMIT_EXCEEDED: true,
  CUSTOMER_ARCHIVED: true,
  DATABASE_UNAVAILABLE: true,
  EMAIL_CHANGE_TOKEN_INVALID: true,
  EMAIL_NEEDS_POST: true,
  FEATURE_NOT_INCLUDED: true,
  IDEMPOTENCY_KEY_REUSED: true,
  INTERNAL_ERROR: true,
  INVALID_CREDENTIALS: true,
  INVALID_CYCLE: true,
  INVALID_EVENT: true,
  INVALID_FILTER: true,
  INVALID_IDEMPOTENCY_KEY: true,
  INVALID_MONTH: true,
  INVALID_MONTH_RANGE: true,
  INVALID_PLAN: true,
  INVITATION_EMAIL_MISMATCH: true,
  INVITATION_INVALID: true,
  INVITATION_LOGIN_REQUIRED: true,
  INVITATION_NOT_PENDING: true,
  INVITATION_RATE_LIMITED: true,
  INVITATION_SEND_LIMIT: true,
  INVITE_ALREADY_SENT: true,
  LAST_OWNER: true,
  LAST_SERVICE: true,
  LIMIT_AI_REQUESTS_MONTH: true,
  LIMIT_EXPORT_CSV_MONTH: true,
  LIMIT_EXPORT_XLSX_MONTH: true,
  LIMIT_MAX_CUSTOMERS: true,
  LIMIT_MAX_PRODUCTS: true,
  LIMIT_MAX_SERVICES: true,
  LIMIT_MAX_USERS: true,
  LINE_EXISTS: true,
  LOSS_IN_FUTURE: true,
  MALFORMED_JSON: true,
  MANAGER_ONLY: true,
  METHOD_NOT_ALLOWED: true,
  MONTH_CLOSED: true,
  MONTH_NOT_STARTED: true,
  MONTH_OUTSIDE_HISTORY: true,
  MONTH_OUT_OF_RANGE: true,
  MONTH_RANGE_TOO_LONG: true,
  NOTHING_OWED: true,
  NOT_ACCEPTABLE: true,
  NOT_AUTHENTICATED: true,
  NOT_FOUND: true,
  NO_BILLING_ACCOUNT: true,
  NO_EMAIL: true,
  NO_TENANT_MEMBERSHIP: true,
  OBJECT_IN_USE: true,
  OVERPAYMENT: true,
  PAYLOAD_TOO_LARGE: true,
  PERMISSION_DENIED: true,
  PORTAL_DISABLED: true,
  RECIPIENT_ALREADY_ADDED: true,
  RECIPIENT_IS_MEMBER: true,
  RECIPIENT_LIMIT_REACHED: true,
  RECIPIENT_LINK_INVALID: true,
  RECIPIENT_NOT_ALLOWED: true,
  RECIPIENT_NOT_PENDING: true,
  RECIPIENT_RATE_LIMITED: true,
  RECIPIENT_SEND_LIMIT: true,
  RESET_TOKEN_INVALID: true,
  REVERSAL_NOT_REVERSIBLE: true,
  SERVICE_HAS_DATA: true,
  SERVICE_HAS_INVITATIONS: true,
  SERVICE_HAS_MEMBERS: true,
  SERVICE_NAME_TAKEN: true,
  SERVICE_REQUIRED: true,
  SKU_TAKEN: true,
  STATEMENT_LINK_INVALID: true,
  STRIPE_ERROR: true,
  THROTTLED: true,
  TOKEN_INVALID: true,
  UNCOUNTED_PRODUCTS: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  VALIDATION_ERROR: true,
  WEBHOOK_NOT_CONFIGURED: true,
  WEBHOOK_SIGNATURE_INVALID: true,
} as const satisfies Record<ErrorCode, true>;

export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  constructor(status: number, body: ErrorBody) {
    super(body.detail);
    this.status = status;
    this.body = body;
  }
  get code(): ErrorCode {
    return this.body.code;
  }
}

/** The request never got an answer (offline, DNS, server down behind a proxy). */
export class NetworkError extends Error {}

export function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).code === 'string';
}

/** Turns an openapi-fetch result into its data, or throws ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = isErrorBody(result.error)
      ? result.error
      : ({ code: 'INTERNAL_ERROR', detail: String(result.response.status) } as ErrorBody);
    throw new ApiError(result.response.status, body);
  }
  return result.data as T;
}

/** A plan limit or a feature the plan leaves out: shown with a link to the billing page. */
export function isPlanError(code: string): boolean {
  return code.startsWith('LIMIT_') || code === 'FEATURE_NOT_INCLUDED';
}

/** The sentence a person reads for any error thrown by an API call. */
export function errorMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const { code, limit, used, feature, plan, retry_after } = error.body;
    if (!(code in ERROR_CODES)) return error.body.detail || t('errors.UNKNOWN');
    return t(`errors.${code}`, {
      limit: limit ?? t('plan.unlimited'),
      used: used ?? 0,
      feature: feature ? t(`features.${feature}`, { defaultValue: feature }) : '',
      plan: plan ?? '',
      seconds: retry_after ?? 60,
    });
  }
  if (error instanceof NetworkError || error instanceof TypeError) return t('errors.NETWORK');
  return t('errors.UNKNOWN');
}

/** The API's `fields` messages as one string per field (nested objects flattened with dots). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.body.fields) return {};
  const out: Record<string, string> = {};
  const walk = (prefix: string, value: unknown) => {
    if (Array.isArray(value)) {
      const strings = value.filter((item): item is string => typeof item === 'string');
      if (strings.length) out[prefix] = strings.join(' ');
      value.forEach((item, index) => {
        if (typeof item === 'object' && item !== null) walk(`${prefix}.${index}`, item);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) walk(prefix ? `${prefix}.${key}` : key, inner);
    } else if (typeof value === 'string') {
      out[prefix] = value;
    }
  };
  walk('', error.body.fields);
  return out;
}
