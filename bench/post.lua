-- wrk script: the same signed-in form POST every time, to the URL's path.
-- Arguments: the Cookie header, the form's CSRF token, and the origin for the Referer.
function init(args)
  body = "csrf_token=" .. args[2]
  headers = {
    ["Cookie"] = args[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = args[3] .. wrk.path,
    ["X-Forwarded-Proto"] = "https",
  }
end

function request()
  return wrk.format("POST", nil, headers, body)
end
