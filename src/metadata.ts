/**
 * What Logto shows of the connector: names, descriptions, logos, console guide and the console form.
 */
import {
  ConnectorConfigFormItemType,
  type ConnectorMetadata,
  ConnectorPlatform,
} from '@logto/connector-kit';

import {
  connectorId,
  connectorTarget,
  defaultHubUrl,
  defaultRequestTimeoutMs,
  defaultScopes,
  knownScopes,
  minClientSecretLength,
  requestTimeoutBoundsMs,
  stepDeadlineInAttempts,
} from './constants.js';

/**
 * The console form: one item per config key, each with a label, a description and a
 * placeholder. Logto's console shows descriptions as plain text, so they hold no markdown, and a
 * placeholder shows what an empty field means, never a value that is not the default.
 */
export const formItems = [
  {
    key: 'clientId',
    label: 'Client ID',
    type: ConnectorConfigFormItemType.Text,
    required: true,
    placeholder: '<client-id>',
    description: "The OAuth app's client ID, from huggingface.co/settings/applications.",
  },
  {
    key: 'clientSecret',
    label: 'Client secret',
    type: ConnectorConfigFormItemType.Text,
    required: true,
    isConfidential: true,
    placeholder: '<client-secret>',
    description: `The OAuth app's client secret (at least ${minClientSecretLength} characters). Stored by Logto; never shown in errors or logs.`,
  },
  {
    key: 'scope',
    label: 'Scope',
    type: ConnectorConfigFormItemType.Text,
    required: false,
    placeholder: defaultScopes.join(' '),
    description: `Space-separated Hugging Face scopes; ${defaultScopes.join(' ')} when empty. profile gives the name, username, avatar and organizations, email the verified email, openid a signed ID token the connector verifies (for example: openid profile email). Each scope must also be enabled in the Hugging Face app. Known scopes: ${knownScopes.join(', ')}. A scope Hugging Face added later must also be listed in Extra scopes.`,
  },
  {
    key: 'extraScopes',
    label: 'Extra scopes',
    type: ConnectorConfigFormItemType.Text,
    required: false,
    description: "Only for a scope Hugging Face added after this connector's release: list it here (space-separated) and in Scope. Empty allows only the known scopes, so a mistyped scope is refused when you save. Each entry must look like a Hugging Face scope: lower-case letters and digits in words joined by hyphens, for example read-mcp.",
  },
  {
    key: 'orgIds',
    label: 'Organization IDs to request',
    type: ConnectorConfigFormItemType.Text,
    required: false,
    placeholder: '5e67bd5b1009063689407478',
    description: "Organization IDs (24 hexadecimal characters each, separated by commas or spaces). Hugging Face's consent screen then asks the user to grant these organizations.",
  },
  {
    key: 'authorizedOrgs',
    label: 'Authorized organizations',
    type: ConnectorConfigFormItemType.MultilineText,
    required: false,
    placeholder: 'my-org',
    description: "Only members of at least one of these organizations may sign in; empty lets everyone in. One per line or separated by commas: an entry of 24 hexadecimal characters is an organization ID and matches only that ID; any other entry is an organization name (as in its Hugging Face address) and matches only that name, ignoring case. Needs the profile scope (add read-memberships if Hugging Face asks for it); put the IDs in Organization IDs to request too, so the consent screen asks for them.",
  },
  {
    key: 'hubUrl',
    label: 'Hub URL',
    type: ConnectorConfigFormItemType.Text,
    required: false,
    placeholder: defaultHubUrl,
    description: `Base URL of every Hugging Face endpoint; ${defaultHubUrl} when empty. Change it only for a staging or test hub. Must be https unless the host is loopback.`,
  },
  {
    key: 'requestTimeoutMs',
    label: 'Request timeout (ms)',
    type: ConnectorConfigFormItemType.Number,
    required: false,
    placeholder: String(defaultRequestTimeoutMs),
    description: `Time limit of one request to Hugging Face, in milliseconds (${requestTimeoutBoundsMs.min} to ${requestTimeoutBoundsMs.max}, default ${defaultRequestTimeoutMs}). A step gives up after ${stepDeadlineInAttempts} times this, retries included.`,
  },
] satisfies ConnectorMetadata['formItems'];

/** The connector's metadata, as Logto registers it. */
export const metadata = {
  id: connectorId,
  target: connectorTarget,
  platform: ConnectorPlatform.Universal,
  isStandard: false,
  isTokenStorageSupported: true,
  name: {
    en: 'Hugging Face',
    'zh-CN': 'Hugging Face',
    'zh-TW': 'Hugging Face',
    fr: 'Hugging Face',
    de: 'Hugging Face',
    ja: 'Hugging Face',
    ko: 'Hugging Face',
  },
  description: {
    en: 'Sign in with Hugging Face, the machine learning community, with PKCE, verified ID tokens, organization rules and token storage.',
    'zh-CN': '使用机器学习社区 Hugging Face 登录，支持 PKCE、ID 令牌校验、组织限制与令牌存储。',
    'zh-TW': '使用機器學習社群 Hugging Face 登入，支援 PKCE、ID 權杖驗證、組織限制與權杖儲存。',
    fr: "Connexion avec Hugging Face, la communauté de l'apprentissage automatique : PKCE, jetons d'identité vérifiés, règles d'organisation et stockage des jetons.",
    de: 'Anmeldung mit Hugging Face, der Community für maschinelles Lernen: PKCE, geprüfte ID-Tokens, Organisationsregeln und Token-Speicherung.',
    ja: '機械学習コミュニティ Hugging Face でサインイン。PKCE、ID トークンの検証、組織による制限、トークンの保存に対応。',
    ko: '머신러닝 커뮤니티 Hugging Face로 로그인합니다. PKCE, ID 토큰 검증, 조직 제한, 토큰 저장을 지원합니다.',
  },
  logo: './logo.svg',
  logoDark: './logo-dark.svg',
  readme: './CONSOLE-GUIDE.md',
  formItems,
} satisfies ConnectorMetadata;
