// The Java program of the reliability suite: 4 threads each ask 1000 times
// whether a file exists (a stat each), then the file is read and printed,
// so that a traced JVM can be held to an exact count and to its output.
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Paths;

public class Hello {
    public static void main(String[] args) throws Exception {
        final File f = new File(args[0]);
        final int[] seen = new int[4];
        Thread[] ts = new Thread[4];
        for (int i = 0; i < ts.length; i++) {
            final int k = i;
            ts[i] = new Thread(() -> {
                for (int j = 0; j < 1000; j++)
                    if (f.exists())
                        seen[k]++;
            });
            ts[i].start();
        }
        for (Thread t : ts)
            t.join();
        System.out.println("exists " + (seen[0] + seen[1] + seen[2] + seen[3]));
        System.out.print(new String(Files.readAllBytes(Paths.get(args[0])), "UTF-8"));
    }
}
