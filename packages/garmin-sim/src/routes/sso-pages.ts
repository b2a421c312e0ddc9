import { escapeHtml } from '../http-util.js';

/** Minimal look-alikes of Garmin's SSO pages: clients read only titles, `_csrf` and `response_url`. */

export function mobileSignInPage(): string {
  return `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
    <head>
        <title>Garmin SSO Portal</title>
        <meta charset="UTF-8">
        <meta name="description" content="Garmin SSO Portal">
    </head>
    <body><div id="root"></div></body>
</html>
`;
}

export function embedPage(): string {
  return `<html>
	<head>
	    <title>GAuth Embedded Version</title>
	    <meta http-equiv="X-UA-Compatible" content="IE=edge;" />
	</head>
	<body><div id="gauth-widget"></div></body>
</html>
`;
}

export function signInPage(csrf: string, error: string | null): string {
  return `<!DOCTYPE html>
<html lang="en" class="no-js">
    <head>
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
        <title>GARMIN Authentication Application</title>
    </head>
    <body>
        ${error ? `<div id="status" class="error">${escapeHtml(error)}</div>` : ''}
        <form method="post" id="login-form">
            <input type="email" name="username" id="username" />
            <input type="password" name="password" id="password" />
            <input type="hidden" name="embed" value="true"/>
                        <input type="hidden" name="_csrf" value="${escapeHtml(csrf)}" />
            <button type="submit" id="login-btn-signin">Sign In</button>
        </form>
    </body>
</html>
`;
}

export function mfaPage(csrf: string, method: string, error: string | null): string {
  return `<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
    <title>Enter MFA code for login</title>
</head>
<body>
    <form id="submit-mfa-verification-code-form" name="submit-mfa-verification-code-form" method="post" novalidate="novalidate">
        <h2 id="enter-mfa-code-h2">Enter security code</h2>
        <p>We sent a code by ${method === 'sms' ? 'text message' : 'email'}.</p>
        ${error ? `<div id="status" class="error">${escapeHtml(error)}</div>` : ''}
                                    <input type="number" pattern="[0-9]*" inputmode="numeric" maxlength="6" id="mfa-code" name="mfa-code" autofocus/>
                    <input type="hidden" name="embed" value="true" />
                    <input type="hidden" name="_csrf"            value="${escapeHtml(csrf)}" />
                    <input type="hidden" name="fromPage" value="setupEnterMfaCode" />
    </form>
</body>
</html>
`;
}

/** JS string literal escaping as Garmin writes it (`https:\/\/…`). */
function jsString(s: string): string {
  return JSON.stringify(s).replace(/\//g, '\\/');
}

export function successPage(service: string, ticket: string, loginToken: string): string {
  return `<!DOCTYPE html>
<html class="no-js">
	<head>
		<title>Success</title>
		<meta charset="utf-8">
		<script type="text/javascript">
			var redirectAfterAccountLoginUrl 	  = ${jsString(service)};
			var redirectAfterAccountCreationUrl = "";
			var consumeServiceTicket         	  = "true";
			var service_url                  	  = ${jsString(service)};
			var parent_url                   	  = ${jsString(service)};
			var response_url                 	  = ${jsString(`${service}?ticket=${ticket}`)};
			var logintoken                   	  = ${jsString(loginToken)};
			var socialLogin                   	  = "";
			var performMFACheck                 = "";
			var service_ticket = response_url.substring(response_url.indexOf('ticket=') + 7, response_url.length);
		</script>
	</head>
	<body></body>
</html>
`;
}

/** A page Garmin puts between sign-in and Success (e.g. "Update Phone Number"). */
export function interruptPage(title: string): string {
  return `<!DOCTYPE html>
<html lang="en" class="no-js">
    <head><title>${escapeHtml(title)}</title></head>
    <body><form method="post"><button type="submit">Continue</button></form></body>
</html>
`;
}
