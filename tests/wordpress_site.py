"""A real WordPress for the connector's tests: Debian's `wordpress` package on PHP's built-in server,
with a database of its own on the machine's MariaDB.

Debian's wp-config.php reads /etc/wordpress/config-<name>.php, where a router script sets <name>
(`WORDPRESS_CONFIG`); the site's database, user, content folder and that config file are made here
and removed by `close()`. MariaDB is started when it is not running (and left running: it is the
machine's own); it is never stopped.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.workerprocs import free_port

WORDPRESS = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")


def missing_parts() -> list[str]:
    """What this machine lacks to run the site (empty when everything is there)."""
    missing = []
    if shutil.which("php") is None:
        missing.append("php-cli")
    if not (WORDPRESS / "wp-settings.php").exists():
        missing.append("wordpress")
    if shutil.which("mysql") is None or shutil.which("mariadbd") is None:
        missing.append("mariadb-server")
    elif subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.find("mysqli") < 0:
        missing.append("php-mysql")
    return missing


def _sql(statement: str) -> None:
    subprocess.run(["mysql", "-uroot", "-e", statement], check=True, capture_output=True, timeout=30)


def _mariadb_running() -> bool:
    found = subprocess.run(["mysqladmin", "-uroot", "ping"], capture_output=True, timeout=10)
    return found.returncode == 0


def ensure_mariadb() -> None:
    """Start the machine's MariaDB when it is not running; raises when it will not start."""
    if _mariadb_running():
        return
    started = shutil.which("service") is not None and (
        subprocess.run(["service", "mariadb", "start"], capture_output=True, timeout=60).returncode == 0
    )
    if not started and shutil.which("mysqld_safe"):  # no init scripts (a bare container)
        Path("/run/mysqld").mkdir(exist_ok=True)
        shutil.chown("/run/mysqld", "mysql", "mysql")
        # The machine's own server: left running, as `service` would leave it.
        subprocess.Popen(
            ["mysqld_safe"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while not _mariadb_running():
        if time.monotonic() > deadline:
            raise RuntimeError("MariaDB did not start")
        time.sleep(0.5)


ROUTER = """<?php
// Picks this test site's config file, serves uploaded media from its content folder, sends the rest
// to WordPress's front controller.
$_SERVER['WORDPRESS_CONFIG'] = '%(name)s';
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (strpos($path, '/wp-content/uploads/') === 0) {
    $file = '%(content)s' . substr($path, strlen('/wp-content'));
    if (is_file($file)) { header('Content-Type: ' . mime_content_type($file)); readfile($file); return true; }
    http_response_code(404);
    return true;
}
if ($path !== '/' && is_file('%(root)s' . $path)) {
    if (substr($path, -4) !== '.php') { return false; }
    chdir(dirname('%(root)s' . $path));
    require '%(root)s' . $path;
    return true;
}
chdir('%(root)s');
require '%(root)s/index.php';
"""

CONFIG = """<?php
define('DB_NAME', '%(db)s');
define('DB_USER', '%(db)s');
define('DB_PASSWORD', '%(db_password)s');
define('DB_HOST', '127.0.0.1');
define('WP_CONTENT_DIR', '%(content)s');
define('WP_CONTENT_URL', '%(url)s/wp-content');
define('WP_HOME', '%(url)s');
define('WP_SITEURL', '%(url)s');
define('WP_ENVIRONMENT_TYPE', 'local');  // application passwords without HTTPS
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);  // no internet here: no update checks
define('AUTOMATIC_UPDATER_DISABLED', true);
define('AUTH_KEY', '%(salt)s'); define('SECURE_AUTH_KEY', '%(salt)s'); define('LOGGED_IN_KEY', '%(salt)s');
define('NONCE_KEY', '%(salt)s'); define('AUTH_SALT', '%(salt)s'); define('SECURE_AUTH_SALT', '%(salt)s');
define('LOGGED_IN_SALT', '%(salt)s'); define('NONCE_SALT', '%(salt)s');
$table_prefix = 'wp_';
"""

INSTALL = """<?php
$_SERVER['WORDPRESS_CONFIG'] = '%(name)s';
$_SERVER['HTTP_HOST'] = '127.0.0.1:%(port)d';
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require '%(root)s/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$installed = wp_install(
    'สพป. ทดสอบ', 'webmaster', 'webmaster@example.org', true, '', wp_generate_password(24)
);
update_option('permalink_structure', '');
$made = WP_Application_Passwords::create_new_application_password(
    $installed['user_id'], array('name' => 'bpmnpub')
);
$news = wp_insert_term('ข่าวประชาสัมพันธ์', 'category');
$plans = wp_insert_term('แผนงาน', 'category');
echo "\\n@@" . json_encode(array(
    'user' => 'webmaster', 'password' => $made[0],
    'categories' => array('news' => $news['term_id'], 'plans' => $plans['term_id']),
));
"""


@dataclass
class Credentials:
    user: str
    password: str
    categories: dict[str, int]


class WordPressSite:
    """One throw-away WordPress site; `url`, `credentials`, and a server that can be stopped and
    started again (the outage test)."""

    def __init__(self) -> None:
        suffix = secrets.token_hex(4)
        self.name = f"bpmnpubtest{suffix}"
        self.db = f"bpmnpub_wp_{suffix}"
        self.db_password = secrets.token_hex(12)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="bpmnpub-wp-"))
        self.content = self.folder / "wp-content"
        self.config = CONFIG_DIR / f"config-{self.name}.php"
        self.server: subprocess.Popen[bytes] | None = None
        self.credentials = Credentials("", "", {})

    def _fill(self, template: str) -> str:
        return template % {
            "name": self.name,
            "db": self.db,
            "db_password": self.db_password,
            "content": self.content,
            "url": self.url,
            "port": self.port,
            "root": WORDPRESS,
            "salt": secrets.token_hex(32),
        }

    def create(self) -> None:
        ensure_mariadb()
        _sql(
            f"CREATE DATABASE `{self.db}` CHARACTER SET utf8mb4;"
            + "".join(
                f"CREATE USER '{self.db}'@'{host}' IDENTIFIED BY '{self.db_password}';"
                f"GRANT ALL ON `{self.db}`.* TO '{self.db}'@'{host}';"
                for host in ("127.0.0.1", "localhost")
            )
        )
        for part in ("plugins", "themes", "uploads"):
            (self.content / part).mkdir(parents=True)
        CONFIG_DIR.mkdir(exist_ok=True)
        self.config.write_text(self._fill(CONFIG))
        (self.folder / "router.php").write_text(self._fill(ROUTER))
        (self.folder / "install.php").write_text(self._fill(INSTALL))
        done = subprocess.run(
            ["php", str(self.folder / "install.php")], capture_output=True, text=True, timeout=120
        )
        if "@@" not in done.stdout:
            raise RuntimeError(f"WordPress did not install: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        made = json.loads(done.stdout.rsplit("@@", 1)[1])
        self.credentials = Credentials(made["user"], made["password"], dict(made["categories"]))
        self.start()

    def start(self) -> None:
        self.server = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(WORDPRESS), str(self.folder / "router.php")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/?rest_route=/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("WordPress's server did not answer")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)
            self.server = None

    def posts(self, status: str = "any") -> list[dict[str, object]]:
        """The site's posts, read back through its own REST API as the webmaster."""
        import base64

        token = base64.b64encode(f"{self.credentials.user}:{self.credentials.password}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/?rest_route=/wp/v2/posts&status={status}&context=edit&per_page=100",
            headers={"Authorization": f"Basic {token}"},
        )
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
            found: list[dict[str, object]] = json.loads(answer.read())
            return found

    def public_post(self, post_id: object) -> tuple[int, str]:
        """(status, title) of a post as the public reads it (the site has no theme: its REST API)."""
        status, body = self.fetch(f"{self.url}/?rest_route=/wp/v2/posts/{post_id}")
        return status, str(json.loads(body).get("title", {}).get("rendered", "")) if status == 200 else ""

    def fetch(self, url: str) -> tuple[int, bytes]:
        """A page or file of the site as the public sees it."""
        try:
            with urllib.request.urlopen(url, timeout=20) as answer:  # noqa: S310
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def close(self) -> None:
        self.stop()
        self.config.unlink(missing_ok=True)
        try:
            _sql(
                f"DROP DATABASE IF EXISTS `{self.db}`;"
                + "".join(f"DROP USER IF EXISTS '{self.db}'@'{host}';" for host in ("127.0.0.1", "localhost"))
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def reset_posts(site: WordPressSite) -> None:
    """Empty the site of posts and media between tests (each test's items start again at id 1)."""
    subprocess.run(
        [
            "mysql",
            "-uroot",
            site.db,
            "-e",
            "DELETE FROM wp_term_relationships WHERE object_id IN (SELECT ID FROM wp_posts);"
            "DELETE FROM wp_postmeta; DELETE FROM wp_posts;",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
