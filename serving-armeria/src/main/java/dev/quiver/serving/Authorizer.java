package dev.quiver.serving;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The authentication/authorization hook of the decorator chain (PRD §11.3: OIDC bearer tokens with
 * scopes feature.read, registry.write, ...). It runs before every {@code /v1/} service except
 * health. The default allows everything; the JWT/OIDC implementation plugs in here.
 */
@FunctionalInterface
public interface Authorizer {

  /** Allows every request. */
  Authorizer ALLOW_ALL = (ctx, req) -> CompletableFuture.completedFuture(null);

  /**
   * Decides whether {@code req} may proceed. Must not block (it runs on an event loop).
   *
   * @return a stage that completes normally to allow, or exceptionally with an {@link ApiException}
   *     (401/403) to refuse
   */
  CompletionStage<Void> authorize(ServiceRequestContext ctx, HttpRequest req);
}
