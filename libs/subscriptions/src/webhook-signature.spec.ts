import { Webhook } from 'standardwebhooks';
import { signWebhook, webhookHeaders, webhookKeyOf, webhookSecretOf } from './webhook-signature';

const key = Uint8Array.from({ length: 32 }, (_, i) => i);
const secret = webhookSecretOf(key);

describe('webhook secrets', () => {
  it('are whsec_ + base64 of the key, and read back', () => {
    expect(secret).toBe(`whsec_${Buffer.from(key).toString('base64')}`);
    expect(webhookKeyOf(secret)).toEqual(Buffer.from(key));
  });

  it.each(['whsec_short', 'sec_AAAA', `whsec_${'A'.repeat(200)}`, 'whsec_!!!!'])('refuses %s', (text) => {
    expect(webhookKeyOf(text)).toBeUndefined();
  });

  it('refuses keys of the wrong size', () => {
    expect(() => webhookSecretOf(new Uint8Array(8))).toThrow(RangeError);
  });
});

describe('signWebhook', () => {
  const message = { id: 'msg_1', timestamp: 1_700_000_000, body: '{"resourceType":"Bundle"}' };

  it('is the signature the standardwebhooks reference library computes', () => {
    const headers = webhookHeaders(message, [secret]);
    expect(headers).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': new Webhook(secret).sign(message.id, new Date(message.timestamp * 1000), message.body),
    });
  });

  it('signs with both secrets during a rotation: one signature each', () => {
    const other = webhookSecretOf(Uint8Array.from({ length: 32 }, () => 7));
    const signatures = signWebhook(message, [other, secret]).split(' ');
    expect(signatures).toEqual([
      new Webhook(other).sign(message.id, new Date(message.timestamp * 1000), message.body),
      new Webhook(secret).sign(message.id, new Date(message.timestamp * 1000), message.body),
    ]);
  });

  it('changes with the id, the timestamp and the body', () => {
    const base = signWebhook(message, [secret]);
    expect(signWebhook({ ...message, id: 'msg_2' }, [secret])).not.toBe(base);
    expect(signWebhook({ ...message, timestamp: message.timestamp + 1 }, [secret])).not.toBe(base);
    expect(signWebhook({ ...message, body: '{}' }, [secret])).not.toBe(base);
    expect(base).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });
});
