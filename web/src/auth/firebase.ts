// Firebase Authentication / Identity Platform: Google sign-in (popup) and passwordless email links.
// The API verifies the ID token this yields (RS256, Google's keys, audience = project).
import { initializeApp } from "@firebase/app";
import {
  GoogleAuthProvider,
  browserLocalPersistence,
  getAuth,
  isSignInWithEmailLink,
  onAuthStateChanged,
  sendSignInLinkToEmail,
  setPersistence,
  signInWithEmailLink,
  signInWithPopup,
  signOut,
  type Auth,
  type User,
} from "@firebase/auth";
import type { FirebaseWebConfig } from "../config";
import type { Authenticator, SignedIn } from "./session";

const EMAIL_FOR_LINK = "tm.emailForSignIn";

function toSignedIn(user: User): SignedIn {
  return { userId: user.uid, email: user.email, token: () => user.getIdToken() };
}

export class FirebaseAuthenticator implements Authenticator {
  private readonly auth: Auth;
  private readonly ready: Promise<void>;

  constructor(config: FirebaseWebConfig) {
    const app = initializeApp({ apiKey: config.apiKey, authDomain: config.authDomain, projectId: config.projectId });
    this.auth = getAuth(app);
    if (config.tenantId) this.auth.tenantId = config.tenantId;
    this.ready = setPersistence(this.auth, browserLocalPersistence).then(
      () =>
        new Promise<void>((resolve) => {
          const stop = onAuthStateChanged(this.auth, () => {
            stop();
            resolve();
          });
        }),
    );
  }

  async current(): Promise<SignedIn | null> {
    await this.ready;
    if (!this.auth.currentUser && isSignInWithEmailLink(this.auth, window.location.href)) {
      await this.completeEmailLink();
    }
    return this.auth.currentUser ? toSignedIn(this.auth.currentUser) : null;
  }

  async signInWithGoogle(): Promise<SignedIn> {
    const result = await signInWithPopup(this.auth, new GoogleAuthProvider());
    return toSignedIn(result.user);
  }

  async sendEmailLink(email: string): Promise<void> {
    await sendSignInLinkToEmail(this.auth, email, { url: `${window.location.origin}/sign-in`, handleCodeInApp: true });
    window.localStorage.setItem(EMAIL_FOR_LINK, email);
  }

  private async completeEmailLink(): Promise<void> {
    const email = window.localStorage.getItem(EMAIL_FOR_LINK) ?? window.prompt("Confirm your email address to sign in");
    if (!email) return;
    await signInWithEmailLink(this.auth, email, window.location.href);
    window.localStorage.removeItem(EMAIL_FOR_LINK);
    window.history.replaceState(null, "", "/");
  }

  async signOut(): Promise<void> {
    await signOut(this.auth);
  }
}
