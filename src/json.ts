/**
 * Reading a JSON object out of a body: the one parser every Hugging Face answer goes through.
 */

/**
 * Parses a JSON object body.
 *
 * @param body - A response body as text.
 * @returns The object, or `undefined` when the body is not JSON or not an object.
 */
export const parseJsonObject = (body: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};
