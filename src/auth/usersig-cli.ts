// `npm run usersig -- alice [seconds]`: prints a UserSig for the configured app, made by Tencent's own package.
import TLSSigAPIv2 from 'tls-sig-api-v2';
import { loadConfig } from '../config';
import { isValidUserID } from './usersig';

const [userID, seconds = String(7 * 24 * 3600)] = process.argv.slice(2);
if (!userID || !isValidUserID(userID) || !/^\d+$/.test(seconds)) {
  console.error('usage: npm run usersig -- <userID> [expireSeconds]   (userID: printable ASCII, at most 32 bytes)');
  process.exit(2);
}
const config = loadConfig();
if (config.devCredentials) console.error('note: using the dev IM_SDKAPPID/IM_SECRET_KEY; set both for a real app');
console.log(new TLSSigAPIv2.Api(config.sdkAppId, config.secretKey).genUserSig(userID, Number(seconds)));
