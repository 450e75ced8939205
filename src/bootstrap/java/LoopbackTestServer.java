// Temporal's Java time-skipping test server (io.temporal.testserver.TestServer), listening on
// 127.0.0.1 only: its own main binds every interface (Grpc.newServerBuilderForPort) and has no
// option for the address. Same arguments as the original: <port> [--enable-time-skipping].
// Started by src/bootstrap/temporal-server.ts with the test server's jars on the class path.
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

public final class LoopbackTestServer {
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !"--enable-time-skipping".equalsIgnoreCase(args[1]))) {
      System.err.println("Usage: LoopbackTestServer <port> [--enable-time-skipping]");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    boolean timeSkipping = args.length == 2;
    // As TestServer.main: time skipping starts locked unless the flag is given.
    TestServicesStarter services = new TestServicesStarter(!timeSkipping, 0L);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdown();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      services.close();
      server.shutdownNow();
    }));
    server.awaitTermination();
  }
}
